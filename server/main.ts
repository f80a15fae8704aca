// Language server process entry. The transport comes from the command line, as
// vscode-languageserver reads it: `--node-ipc` when the client forks us, `--stdio` for tests.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
