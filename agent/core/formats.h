/*
 * formats: the versions of what one agent leaves for the next.  An
 * upgraded agent takes over a running node from the one before it: the
 * pod records in the state folder (podstore.h), the round file, and the
 * cookies on the switch's flows (cookie.h) must all read the same to
 * both.  Each layout has a number; an agent reads every number up to its
 * own and refuses, before it changes anything, a node whose state is
 * newer than it knows (a downgrade over newer state could misread a live
 * pod's record and delete what belongs to it).
 *
 *   state:   STATE_DIR/format, "1\n".  Release 0.1.0 wrote no such file;
 *            its layout is format 1.
 *   cookies: external_ids:seine-cookie-format of the Open_vSwitch record;
 *            absent means format 1 (the layout of cookie.h since 0.1.0).
 *
 * docs/reliability.md ("Upgrades") says what changes a number.
 */
#ifndef FORMATS_H
#define FORMATS_H 1

struct ovsbridge;

#define FORMATS_STATE 1
#define FORMATS_COOKIE 1
#define FORMATS_COOKIE_KEY "seine-cookie-format"

/* Checks STATE_DIR/format and writes this agent's number there.  0, or
 * -EPROTONOSUPPORT with '*errp' saying which number was found (the state
 * folder is left as it was), or -errno. */
int formats_check_state(const char *state_dir, char **errp);

/* The same for the switch's cookie layout. */
int formats_check_cookies(struct ovsbridge *, char **errp);

/* Parses a format number as written ("1", "1\n"); -1 when it is not one. */
int formats_parse(const char *);

#endif /* formats.h */
