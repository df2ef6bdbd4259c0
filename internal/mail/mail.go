// Package mail sends Opora's notification e-mail through an
// organisation's own SMTP server (github.com/wneessen/go-mail). A message
// says what happened in the catalog's words, "a task in family card No N",
// and the link to the page; it never names a person, since e-mail leaves
// the system's protection.
package mail

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
)

// Sender words and sends notification e-mail; store.Mailer.
type Sender struct {
	cat     *i18n.Catalog
	baseURL string
	// Timeout bounds one connection to the server (30 s when 0).
	Timeout time.Duration
}

// New returns a sender whose links start with baseURL (the public address
// users open Opora at, e.g. https://opora.example.org).
func New(cat *i18n.Catalog, baseURL string) *Sender {
	return &Sender{cat: cat, baseURL: strings.TrimSuffix(baseURL, "/")}
}

// Compose returns the subject and plain-text body of a user's e-mail.
func (s *Sender) Compose(b *opora.EmailBatch) (subject, body string) {
	loc := s.cat.Localizer(b.Lang)
	var w strings.Builder
	if b.Digest {
		w.WriteString(loc.T("notify.mail.digest_intro"))
	} else {
		w.WriteString(loc.T("notify.mail.intro"))
	}
	w.WriteString("\n\n")
	for _, n := range b.Lines {
		w.WriteString("• ")
		w.WriteString(loc.T("notify.mail.line."+string(n.Kind), "Family", strconv.FormatInt(n.FamilyID, 10)))
		w.WriteString("\n  ")
		w.WriteString(s.baseURL + n.Link)
		w.WriteString("\n\n")
	}
	w.WriteString("-- \n")
	w.WriteString(loc.T("notify.mail.footer", "URL", s.baseURL+"/notifications"))
	w.WriteString("\n")
	subject = loc.T("notify.mail.subject", "N", strconv.Itoa(len(b.Lines)))
	return subject, w.String()
}

// Send sends a user's e-mail through the server.
func (s *Sender) Send(ctx context.Context, server *opora.NotificationSettings, b *opora.EmailBatch) error {
	if server == nil || !server.EmailEnabled || server.Host == "" {
		return errors.New("mail: e-mail is not set up")
	}
	subject, body := s.Compose(b)
	m := gomail.NewMsg()
	if err := m.From(server.From); err != nil {
		return fmt.Errorf("mail: sender address: %w", scrub(err))
	}
	if err := m.To(b.To); err != nil {
		return fmt.Errorf("mail: recipient address: %w", scrub(err))
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, body)
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(server.Port), gomail.WithTimeout(timeout)}
	switch server.TLS {
	case opora.SMTPTLS:
		opts = append(opts, gomail.WithSSL())
	case opora.SMTPPlain:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if server.User != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if server.TLS == opora.SMTPPlain {
			// The administrator chose a server without TLS (a relay on
			// the local network): PLAIN is the one it is likely to offer.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(server.User), gomail.WithPassword(server.Password))
	}
	c, err := gomail.NewClient(server.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", scrub(err))
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("mail: send: %w", scrub(err))
	}
	return nil
}

// address matches an e-mail address, which a server's error may quote.
var address = regexp.MustCompile(`[^\s<>"',;:]+@[^\s<>"',;:]+`)

// scrub keeps addresses out of an error's text (logs carry no personal data).
func scrub(err error) error {
	return errors.New(address.ReplaceAllString(err.Error(), "<address>"))
}
