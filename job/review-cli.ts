/** `npm run review`: job/review/review-command.ts on this process's arguments and streams. */
import { reviewCommand } from "./review/review-command";

process.exitCode = reviewCommand(
  process.argv.slice(2),
  (text) => process.stdout.write(text),
  (text) => console.error(text),
);
