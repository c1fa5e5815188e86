/** A min-heap of lines waiting to be written again, by due time. */
export class DupHeap {
  private due: number[] = [];
  private lines: Buffer[] = [];

  get size(): number {
    return this.due.length;
  }

  peekDue(): number {
    return this.due[0];
  }

  push(due: number, line: Buffer): void {
    const d = this.due;
    const l = this.lines;
    let i = d.length;
    d.push(due);
    l.push(line);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p] <= d[i]) break;
      [d[p], d[i]] = [d[i], d[p]];
      [l[p], l[i]] = [l[i], l[p]];
      i = p;
    }
  }

  pop(): Buffer {
    const d = this.due;
    const l = this.lines;
    const top = l[0];
    const lastD = d.pop()!;
    const lastL = l.pop()!;
    if (d.length) {
      d[0] = lastD;
      l[0] = lastL;
      let i = 0;
      for (;;) {
        const a = 2 * i + 1;
        const b = a + 1;
        let m = i;
        if (a < d.length && d[a] < d[m]) m = a;
        if (b < d.length && d[b] < d[m]) m = b;
        if (m === i) break;
        [d[m], d[i]] = [d[i], d[m]];
        [l[m], l[i]] = [l[i], l[m]];
        i = m;
      }
    }
    return top;
  }
}
