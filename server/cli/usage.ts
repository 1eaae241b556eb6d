// The subcommands' usage, shared by `--help` and the usage errors; a CliError carries the exit status.

export const COMMANDS_HELP = [
  'Commands:',
  '  serve [flags]                      run the server (the default when no command is given)',
  '  import PATH... [--data DIR]        add .eml files, folders of them, or mbox files to the store',
  '  export FOLDER [--data DIR]         write every message as FOLDER/<ID>.eml, byte for byte',
  '  sendmail [-t] [-f FROM] [--smtp-addr HOST:PORT] [RECIPIENT...]',
  '                                     send the message on stdin through Mailcove\'s SMTP (sendmail-compatible)',
  '  import and export use --data or MAILCOVE_DATA (default ./data) and refuse a folder a running server uses.',
].join('\n');

export class CliError extends Error {
  constructor(
    message: string,
    /** sysexits: 64 usage, 65 bad input, 66 missing input, 69 unavailable, 73 cannot create, 75 try again later. */
    readonly exitCode = 64,
  ) {
    super(message);
  }
}
