// `npm run comfy -- <command>`: every ComfyUI operation from a shell.
import 'dotenv/config';
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2));
