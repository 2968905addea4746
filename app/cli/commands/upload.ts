// Placeholder until the 'upload' command lands; exits 2 with a plain word.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write("ferry upload: not available in this build yet\n");
  return 2;
}
