// Plays one incident on the /web page in headless Chromium, as a person would: picks the tier,
// split and incident, resets, types commands (checking the history keys on the way), applies
// the given fix, looks until the episode ends, and saves a screenshot.
//
// node play.mjs --url http://127.0.0.1:8000 --incident warmup-900003 --split test \
//   --fix "kubectl ..." [--fix ...] [--forbid TEXT ...] --screenshot out.png
// Prints one JSON line with what it saw; exits non-zero on any failed check.

import { chromium } from "playwright-core";

function parseArgs(argv) {
  const a = { fix: [], forbid: [], split: "test", tier: "warmup" };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, ""), v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value for ${argv[i]}`);
    if (k === "fix" || k === "forbid") a[k].push(v);
    else a[k] = v;
  }
  for (const k of ["url", "incident", "screenshot"]) if (!a[k]) throw new Error(`--${k} is required`);
  if (!a.fix.length) throw new Error("--fix is required");
  return a;
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const LOOKS = ["kubectl get pods -A", "kubectl get deployments -A", "kubectl get events -A", "kubectl get pods -A -o wide"];

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const seen = { steps: [], console: [] };
  let page;
  try {
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("console", (m) => { if (m.type() === "error") seen.console.push(m.text()); });
    page.on("pageerror", (e) => seen.console.push(String(e)));
    // The page must load nothing from anywhere but the server.
    const origin = new URL(args.url).origin;
    const foreign = [];
    page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) foreign.push(r.url()); });

    await page.goto(`${args.url}/web`, { waitUntil: "load" });
    check((await page.title()) === "kube-sre-gym", "page title");

    await page.selectOption("#split", args.split);
    await page.selectOption("#tier", args.tier);
    await page.waitForSelector(`#incident option[value="${args.incident}"]`, { state: "attached", timeout: 10000 });
    await page.selectOption("#incident", args.incident);
    await page.click("#reset");
    await page.waitForSelector("#transcript .entry", { timeout: 30000 });
    await page.waitForFunction(() => !document.querySelector("#cmd").disabled);
    const alerts = await page.locator("#alerts li:not(.none)").allTextContents();
    check(alerts.length > 0, "an alert is shown after reset");
    seen.alerts = alerts;
    seen.incident = await page.textContent("#ep-incident");
    check(seen.incident === args.incident, `episode incident ${seen.incident}`);

    const entries = () => page.locator("#transcript .entry").count();
    async function run(command) {
      const before = await entries();
      await page.fill("#cmd", command);
      await page.press("#cmd", "Enter");
      await page.waitForFunction((n) => document.querySelectorAll("#transcript .entry").length > n
        || /bad/.test(document.querySelector("#status").className), before, { timeout: 30000 });
      const status = await page.textContent("#status");
      check(await entries() === before + 1, `a transcript entry for ${command} (status: ${status})`);
      const last = page.locator("#transcript .entry").last();
      const reward = await last.locator(".reward").textContent();
      const output = await last.locator(".out").textContent();
      seen.steps.push({ command, reward, output: output.slice(0, 200) });
      check(/^[+-]?\d+\.\d\d$/.test(reward.trim()), `a reward badge: ${reward}`);
      return { reward: Number(reward), output, done: await page.locator("#cmd").isDisabled() };
    }

    let r = await run("kubectl get pods -A");
    check(r.output.includes("NAMESPACE"), "kubectl output in the transcript");
    check(await page.locator("#breakdown td", { hasText: "judge" }).count() === 1, "the breakdown lists the judge term");

    // History: up recalls the last command, down returns to the empty draft.
    await page.focus("#cmd");
    await page.press("#cmd", "ArrowUp");
    check(await page.inputValue("#cmd") === "kubectl get pods -A", "ArrowUp recalls the last command");
    await page.press("#cmd", "ArrowDown");
    check(await page.inputValue("#cmd") === "", "ArrowDown returns to the draft");

    for (const c of args.fix) r = await run(c);
    for (let i = 0; !r.done && i < 20; i++) r = await run(LOOKS[i % LOOKS.length]);
    check(r.done, "the episode ended");
    const status = await page.textContent("#status");
    seen.status = status;
    check(/Resolved in \d+ steps/.test(status), `resolved: ${status}`);
    check(await page.locator("#alerts li.none").count() === 1, "no alert left");
    const resolution = await page.locator("#breakdown tr", { hasText: "resolution" }).locator("td.num").textContent();
    seen.resolution = resolution;
    check(Number(resolution) > 0, `a resolution bonus: ${resolution}`);
    seen.episode_reward = await page.textContent("#episode-reward");
    check(await page.locator("#cmd").isDisabled(), "the prompt is closed after the episode");

    const text = await page.locator("body").innerText();
    for (const f of args.forbid) check(!text.includes(f), `the page shows ground truth ${f}`);
    check(foreign.length === 0, `requests outside the server: ${foreign.join(", ")}`);
    check(seen.console.length === 0, `console errors: ${seen.console.join("; ")}`);

    await page.screenshot({ path: args.screenshot, fullPage: true });
    seen.screenshot = args.screenshot;
    console.log(JSON.stringify(seen));
  } catch (e) {
    // What the page showed when a check failed.
    const failed = args.screenshot.replace(/(\.png)?$/, "-failed.png");
    if (page) await page.screenshot({ path: failed, fullPage: true }).catch(() => {});
    console.error(JSON.stringify(seen));
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
