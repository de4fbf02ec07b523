export interface DockerfileInput {
  base: string;
  /** `spec.build.env`: FUNC_NAME and FUNC_TYPE become the launch env, as OpenFunction's Node buildpack does. */
  buildEnv: Record<string, string>;
  bundle: string;
  extraCa: boolean;
}

/** The Dockerfile of a fast build: the prepared app and the framework on a Node base, one thin layer each. */
export function renderDockerfile(input: DockerfileInput): string {
  const env: Record<string, string> = { FUNCTION_SOURCE: '/workspace' };
  if (input.buildEnv.FUNC_NAME) env.FUNCTION_TARGET = input.buildEnv.FUNC_NAME;
  if (input.buildEnv.FUNC_TYPE) env.FUNCTION_SIGNATURE_TYPE = input.buildEnv.FUNC_TYPE;
  if (input.extraCa) env.NODE_EXTRA_CA_CERTS = '/ofn/extra-ca.pem';
  const envLines = Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`);
  return [
    `FROM ${input.base}`,
    'COPY ofn/ /ofn/',
    'COPY app/ /workspace/',
    'WORKDIR /workspace',
    ...envLines,
    'ENV PORT=8080',
    `CMD ["node", "/ofn/${input.bundle}"]`,
    '',
  ].join('\n');
}
