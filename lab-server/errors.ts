/** Every error a learner, author or operator may see: a stable code and a sentence that says what to do. */
export class LabError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'LabError';
  }
}

/** Raised when the Docker Engine cannot be reached; the server keeps serving the site in reading mode. */
export class EngineUnavailableError extends LabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('ENGINE_UNAVAILABLE', `Docker Engine not reachable (${detail}): start Docker (for example \`sudo systemctl start docker\`) or point DOCKER_HOST at a running engine, then restart Bulkhead; the course stays readable meanwhile.`, options);
  }
}
