/**
 * Prints N log-like lines (about 90 bytes; every tenth one coloured) as fast as its pipe takes them: the child
 * process of the runner benchmark. Usage: node generate-lines.js N
 */
const total = Number(process.argv[2] ?? 1_000_000);
const BATCH = 2000;
let i = 0;

function batch(): string {
  let s = '';
  for (let j = 0; j < BATCH && i < total; j++, i++) {
    s +=
      i % 10 === 0
        ? `\u001b[32mmodule.vpc.aws_subnet.private[${i % 64}]\u001b[0m: Still creating... [${i % 600}s elapsed] (line ${i})\n`
        : `2025-01-01T00:00:00.000Z [INFO]  provider.aws: request id=${(i * 2654435761) % 4294967296} status=200 (line ${i})\n`;
  }
  return s;
}

function pump(): void {
  while (i < total) {
    if (!process.stdout.write(batch())) {
      process.stdout.once('drain', pump);
      return;
    }
  }
}
pump();
