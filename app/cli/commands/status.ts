// Placeholder until the 'status' command lands; exits 2 with a plain word.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write("ferry status: not available in this build yet\n");
  return 2;
}
