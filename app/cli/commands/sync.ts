// Placeholder until the 'sync' command lands (being built in parallel); exits 2 with a plain word.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write("ferry sync: not available in this build yet\n");
  return 2;
}
