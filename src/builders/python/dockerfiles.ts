/**
 * The Dockerfiles of a Python function: a dependency image per requirements set (a virtual
 * environment at /ofn/venv on the Python base), and the function image on it (the code at /workspace
 * and ofn-local's launcher). Pure.
 */

/** Where the environment and the launcher live in images. */
export const IMAGE_VENV = '/ofn/venv';
export const IMAGE_LAUNCHER_DIR = '/ofn';

/**
 * The dependency image. pip's settings come in as a file sourced in the first stage only: the image
 * keeps the environment, not the index credentials or proxies. An extra CA is added to the image's
 * own bundle for pip (PIP_CERT replaces pip's bundle, so both are needed).
 */
export function renderDepsDockerfile(base: string): string {
  return [
    `FROM ${base} AS install`,
    'COPY build/ /ofn/build/',
    'RUN set -e; . /ofn/build/pip.env; \\',
    '    if [ -s /ofn/build/extra-ca.pem ]; then cat /etc/ssl/certs/ca-certificates.crt /ofn/build/extra-ca.pem > /ofn/build/ca.pem; export PIP_CERT=/ofn/build/ca.pem; fi; \\',
    `    python3 -m venv ${IMAGE_VENV}; \\`,
    `    ${IMAGE_VENV}/bin/python -m pip install --no-input --no-cache-dir --disable-pip-version-check -r /ofn/build/requirements.txt`,
    `FROM ${base}`,
    `COPY --from=install ${IMAGE_VENV} ${IMAGE_VENV}`,
    '',
  ].join('\n');
}

/** pip's settings as a shell file (`export NAME='value'`). */
export function renderPipEnvFile(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}

/** The function image: code, launcher, the command the instance runs. */
export function renderFunctionDockerfile(depsImage: string, launcher: string, command: readonly string[]): string {
  return [
    `FROM ${depsImage}`,
    `COPY ofn/${launcher} ${IMAGE_LAUNCHER_DIR}/${launcher}`,
    'COPY app/ /workspace/',
    // Writable by the instance's user, as a buildpack image's /workspace is by its cnb user.
    'RUN chmod 1777 /workspace',
    'WORKDIR /workspace',
    'ENV PORT=8080 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1',
    `CMD ${JSON.stringify(command)}`,
    '',
  ].join('\n');
}
