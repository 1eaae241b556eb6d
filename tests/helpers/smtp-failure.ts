// The error of an SMTP send that is meant to fail, with nodemailer's reply fields.

export type SmtpFailure = Error & { responseCode?: number; response?: string; code?: string };

export async function failure(attempt: Promise<unknown>): Promise<SmtpFailure> {
  try {
    await attempt;
  } catch (err) {
    return err as SmtpFailure;
  }
  throw new Error('expected the SMTP transaction to fail');
}
