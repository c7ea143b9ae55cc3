use kubectl::grammar::parse;
#[test]
fn scratch() {
    let cases = vec![
        format!("kubectl get {}", "a,".repeat(30000)),
        format!("kubectl get a,b {}", "x ".repeat(30000)),
        format!("kubectl get {} x y", "a,".repeat(15000)),
        format!("kubectl label pods x {}", "k=v ".repeat(15000)),
        format!("kubectl label pods x {}", "k- ".repeat(15000)),
        format!("kubectl get pods {}", "-n x ".repeat(12000)),
        format!("kubectl get pods -{}", "A".repeat(60000)),
        format!("kubectl get pods | {}", "grep x | ".repeat(6000) + "wc -l"),
        format!("kubectl apply -f - <<EOF\n{}EOF", "a: b\n".repeat(12000)),
        format!("kubectl get pods -l '{}'", "'\\''".repeat(10000)),
        format!("kubectl set env deploy/x {}", "A=1 ".repeat(15000)),
        format!("kubectl get pods -L {}", "a,".repeat(30000)),
        "\"".repeat(60000),
        "(".repeat(60000),
        "kubectl ".repeat(8000),
        format!("kubectl {}", "x".repeat(65000)),
        format!("kubectl get pods -o jsonpath={}", "{".repeat(60000)),
    ];
    for c in cases {
        let t = std::time::Instant::now();
        let r = parse(&c);
        println!(
            "{:>8} bytes {:>8.3} ms ok={} {:?}",
            c.len(),
            t.elapsed().as_secs_f64() * 1000.0,
            r.is_ok(),
            r.err()
                .map(|e| e.message.chars().take(80).collect::<String>())
        );
    }
}
