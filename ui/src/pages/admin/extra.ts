/** Why a connection's extra is refused before sending it, or null when it is fine: empty, or a
 * JSON object. */
export function checkExtra(text: string): string | null {
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `Extra is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "Extra must be a JSON object ({...})";
  return null;
}
