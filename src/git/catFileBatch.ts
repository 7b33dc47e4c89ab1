/** One answer of `cat-file --batch`: the object's id, type and bytes. */
export interface BatchAnswer {
  readonly oid: string;
  readonly type: string;
  readonly bytes: Buffer;
}

const OBJECT_HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) ([a-z]+) (\d+)$/;

/**
 * Reads `cat-file --batch` output as it arrives, in pieces of any size: `<oid> <type> <size>\n`,
 * the bytes and `\n` per object, in the order the names were asked; `<name> missing\n` (or
 * `ambiguous`, …) when there is none. Each answer goes to `onAnswer` as soon as it is complete.
 */
export class BatchAnswerParser {
  private answered = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private header: { oid: string; type: string; size: number } | undefined;

  constructor(
    private readonly names: readonly string[],
    private readonly onAnswer: (name: string, answer: BatchAnswer | undefined) => void,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.answered < this.names.length && this.takeOne());
    if (this.answered === this.names.length && this.pendingBytes > 0) throw new Error('git cat-file answered more than asked');
  }

  /** After the last piece: every name must have had its answer. */
  end(): void {
    if (this.answered < this.names.length) {
      throw new Error(`git cat-file stopped before answering for ${this.names[this.answered]}`);
    }
  }

  /** Takes one header or one object's bytes off the front; false when more output is needed. */
  private takeOne(): boolean {
    const name = this.names[this.answered] as string;
    if (!this.header) {
      const buffered = this.flatten();
      const end = buffered.indexOf(0x0a);
      if (end < 0) return false;
      const line = buffered.subarray(0, end).toString('latin1');
      this.consume(end + 1);
      const found = OBJECT_HEADER.exec(line);
      if (found) {
        this.header = { oid: found[1] as string, type: found[2] as string, size: Number(found[3]) };
        return true;
      }
      // Compared as bytes: a name is UTF-8, the line was decoded as Latin-1.
      if (!Buffer.from(line, 'latin1').toString('utf8').startsWith(`${name} `)) {
        throw new Error(`git cat-file gave an unexpected answer for ${name}: ${line}`);
      }
      this.answer(name, undefined);
      return true;
    }
    // A large object arrives in many pieces: joined once, when all of it is here.
    if (this.pendingBytes < this.header.size + 1) return false;
    const buffered = this.flatten();
    const { oid, type, size } = this.header;
    const bytes = buffered.subarray(0, size);
    this.consume(size + 1);
    this.header = undefined;
    this.answer(name, { oid, type, bytes });
    return true;
  }

  private answer(name: string, answer: BatchAnswer | undefined): void {
    this.answered++;
    this.onAnswer(name, answer);
  }

  private flatten(): Buffer {
    if (this.pending.length !== 1) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0] as Buffer;
  }

  private consume(count: number): void {
    const rest = this.flatten().subarray(count);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
  }
}
