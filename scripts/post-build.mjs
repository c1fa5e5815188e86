// tsc keeps the shebang but not the run bit; bin/<tool> launchers import dist/bin/<tool>.js.
import { chmodSync, readdirSync } from 'node:fs';

for (const f of readdirSync('dist/bin')) if (f.endsWith('.js')) chmodSync(`dist/bin/${f}`, 0o755);
