// Placeholder until the 'host' command lands (being built in parallel); exits 2 with a plain word.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write("ferry host: not available in this build yet\n");
  return 2;
}
