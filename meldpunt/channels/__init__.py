"""Every way a signal arrives besides the employee's form: registration by the handler (phone, e-mail,
letter, conversation, ketenpartner, BOA, inwoner, ondernemer), Meld Misdaad Anoniem tips, and the public
anonymous form for inwoners and ondernemers (docs/channels.md)."""
