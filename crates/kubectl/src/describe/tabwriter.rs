//! Go's `text/tabwriter` as kubectl's describers configure it (`Init(out, 0, 8, 2, ' ', 0)`):
//! tab-terminated cells, aligned per column block, padded with two spaces; the text after a
//! line's last tab is never part of a column.

/// Text written with kubectl's describe prefix levels, aligned when flushed.
#[derive(Default)]
pub struct Writer {
    out: String,
    pending: String,
}

const PADDING: usize = 2;

impl Writer {
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            out: String::with_capacity(n),
            pending: String::with_capacity(n),
        }
    }

    /// `PrefixWriter.Write(level, ...)`: two spaces per level, then the text.
    pub fn write(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.pending.push_str("  ");
        }
        self.pending.push_str(text);
    }

    /// Appends text without a prefix.
    pub fn push(&mut self, text: &str) {
        self.pending.push_str(text);
    }

    /// Formats what was written so far; later text is aligned on its own.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        format_into(&pending, &mut self.out);
    }

    /// What was written, unaligned: kubectl's prefix writer over a plain buffer, as `rollout
    /// history --revision` prints a template.
    pub fn into_unaligned(self) -> String {
        self.out + &self.pending
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

/// Aligns `text` as one tabwriter flush.
fn format_into(text: &str, out: &mut String) {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut widths = Vec::new();
    format(&lines, &mut widths, 0, lines.len(), out);
}

fn width(cell: &str) -> usize {
    if cell.is_ascii() {
        cell.len()
    } else {
        cell.chars().count()
    }
}

fn format(
    lines: &[Vec<&str>],
    widths: &mut Vec<usize>,
    mut line0: usize,
    line1: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, widths, line0, this, out);
        line0 = this;
        let mut w = 0;
        while this < line1 && column + 1 < lines[this].len() {
            w = w.max(width(lines[this][column]) + PADDING);
            this += 1;
        }
        widths.push(w);
        format(lines, widths, line0, this, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, widths, line0, line1, out);
}

fn write_lines(
    lines: &[Vec<&str>],
    widths: &[usize],
    line0: usize,
    line1: usize,
    out: &mut String,
) {
    for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() {
                let pad = widths[j].saturating_sub(width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        // The last piece is the unterminated rest after the final newline.
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_column_blocks_like_go() {
        let mut w = Writer::default();
        w.write(0, "Name:\tweb\n");
        w.write(0, "Namespace:\tshop\n");
        w.write(0, "IPs:\n");
        w.write(1, "IP:\t10.0.0.1\n");
        w.write(0, "Controlled By:\tReplicaSet/web\n");
        assert_eq!(
            w.finish(),
            "Name:       web\nNamespace:  shop\nIPs:\n  IP:           10.0.0.1\nControlled By:  ReplicaSet/web\n"
        );
    }

    #[test]
    fn nested_columns_and_trailing_cells() {
        let mut w = Writer::default();
        w.write(0, "Conditions:\n  Type\tStatus\n");
        w.write(1, "Ready \tTrue \n");
        w.write(1, "PodScheduled \tTrue \n");
        assert_eq!(
            w.finish(),
            "Conditions:\n  Type           Status\n  Ready          True \n  PodScheduled   True \n"
        );
    }
}
