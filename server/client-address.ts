// How a client's address is recorded, shown and matched on every listener (SMTP, POP3): an IPv4 client on a
// dual-stack socket arrives as IPv4-mapped IPv6 (::ffff:1.2.3.4) and is written as plain IPv4.
export function clientAddress(remoteAddress: string | undefined): string {
  return (remoteAddress ?? '').replace(/^::ffff:/, '');
}
