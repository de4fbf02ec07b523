/** A save that does not parse: the file and line the reload failure names. */
export interface SyntaxProblem {
  file: string;
  line?: number;
  message: string;
}
