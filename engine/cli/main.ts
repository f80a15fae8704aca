// `lagamc` process entry: wires runCli to the real stdout/stderr and Ctrl-C.
import { runCli } from './cli';

const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nlagamc: stopping (press Ctrl-C again to force)\n');
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

const code = await runCli(
  process.argv.slice(2),
  {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    interactive: Boolean(process.stderr.isTTY),
  },
  controller.signal,
);
process.exitCode = code;
