// Errors of link, unlink and import. Each has a stable code (docs/clients.md lists them) and a
// message that names the file and how to go on.
export type LinkErrorCode = 'LINK_UNKNOWN_CLIENT' | 'LINK_CONFLICT' | 'LINK_UNREADABLE' | 'IMPORT_INVALID';

export class LinkError extends Error {
  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}
