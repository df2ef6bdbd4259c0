package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

const userUsage = `Usage:
  opora user create --login LOGIN --name "FULL NAME" [--position P] [--org ID] [--branch ID] [--role KEY]
  opora user set-password --login LOGIN
  opora user disable --login LOGIN
  opora user enable --login LOGIN
  opora user reset-2fa --login LOGIN

The password is asked for on the terminal, or read from the first line of
standard input when it is not a terminal. reset-2fa removes the account's
two-factor login (a lost phone with no recovery codes left, or a lost key
file) and ends its sessions. Changes are audit-logged as made by the
command line.
`

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return errors.New("user: say what to do: create, set-password, disable, enable or reset-2fa")
	}
	sub, args := args[0], args[1:]
	if isHelp(sub) {
		fmt.Fprint(stdout, userUsage+"\nRun \"opora user ACTION --help\" for the flags.\n")
		return flag.ErrHelp
	}
	var c config
	fs := newFlags("user "+sub, stderr, &c)
	login := fs.String("login", "", "the account's login")
	name := fs.String("name", "", "full name (create)")
	position := fs.String("position", "", "position (create)")
	orgID := fs.Int64("org", 0, "organisation id (create; default: the only organisation)")
	branchID := fs.Int64("branch", 0, "branch id (create; default: the organisation's first branch)")
	roleKey := fs.String("role", "administrator", "built-in role key (create): administrator, supervisor, specialist, duty, analyst, auditor")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *login == "" {
		return errors.New("user: --login is required")
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	switch sub {
	case "create":
		return userCreate(ctx, st, *orgID, *branchID, *roleKey, &opora.User{Login: *login, FullName: *name, Position: *position}, stdin, stdout, stderr)
	case "set-password", "disable", "enable", "reset-2fa":
		cand, err := st.UserForLogin(ctx, *login)
		if err != nil {
			return fmt.Errorf("user: no account with login %q", *login)
		}
		u := cand.User
		ctx = opora.WithActor(ctx, opora.SystemActor(u.OrganisationID))
		switch sub {
		case "set-password":
			hash, err := readPassword(stdin, stderr, u.Login)
			if err != nil {
				return err
			}
			if err := st.ResetPassword(ctx, u.ID, hash); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "password of %s changed; their sessions were ended\n", u.Login)
		case "reset-2fa":
			if err := st.ResetTwoFactor(ctx, u.ID); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "two-factor login of %s removed; their sessions were ended\n", u.Login)
		default:
			if err := st.SetUserDisabled(ctx, u.ID, sub == "disable"); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %sd\n", u.Login, sub)
		}
		return nil
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: unknown action %q", sub)
	}
}

func userCreate(ctx context.Context, st *store.Store, orgID, branchID int64, roleKey string, u *opora.User,
	stdin io.Reader, stdout, stderr io.Writer) error {
	if orgID == 0 {
		orgs, err := st.Organisations(opora.WithActor(ctx, opora.SystemActor(0)))
		if err != nil {
			return err
		}
		if len(orgs) != 1 {
			return fmt.Errorf("user: there are %d organisations; choose one with --org", len(orgs))
		}
		orgID = orgs[0].ID
	}
	ctx = opora.WithActor(ctx, opora.SystemActor(orgID))
	branches, err := st.Branches(ctx)
	if err != nil {
		return err
	}
	for _, b := range branches {
		if branchID == 0 || b.ID == branchID {
			u.BranchIDs = []int64{b.ID}
			break
		}
	}
	roles, err := st.Roles(ctx)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if r.Key == roleKey {
			u.RoleIDs = []int64{r.ID}
		}
	}
	if len(u.RoleIDs) == 0 {
		return fmt.Errorf("user: no role %q in organisation %d", roleKey, orgID)
	}
	hash, err := readPassword(stdin, stderr, opora.NormalizeLogin(u.Login))
	if err != nil {
		return err
	}
	if err := st.CreateUser(ctx, u, hash); err != nil {
		if fe := opora.FieldErrors(err); fe != nil {
			var parts []string
			for f, k := range fe {
				parts = append(parts, f+": "+k)
			}
			return fmt.Errorf("user: %s", strings.Join(parts, ", "))
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s (id %d) in organisation %d with role %s\n", u.Login, u.ID, orgID, roleKey)
	return nil
}

// readPassword asks twice on a terminal, or reads one line from a pipe, and
// returns the argon2id hash of a password that passes the rules.
func readPassword(stdin io.Reader, stderr io.Writer, login string) (string, error) {
	var pw, confirm string
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "New password (at least 12 characters): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Repeat it: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		pw, confirm = string(b), string(b2)
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("user: give the password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
		confirm = pw
	}
	var v opora.Validation
	opora.ValidatePassword(&v, "password", pw, confirm, login)
	if v.Err() != nil {
		for _, k := range v.Fields {
			switch k {
			case "error.password_short":
				return "", fmt.Errorf("user: the password must be at least %d characters long", opora.MinPasswordLength)
			case "error.password_mismatch":
				return "", errors.New("user: the passwords do not match")
			case "error.password_is_login":
				return "", errors.New("user: the password must not be the login")
			case "error.password_common":
				return "", errors.New("user: the password is on the list of the most common leaked passwords; choose another")
			}
		}
		return "", errors.New("user: the password is not acceptable")
	}
	return auth.Hash(pw)
}
