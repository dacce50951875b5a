package localmail

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// delim is imapmemserver's hierarchy delimiter.
const delim = '/'

// mailUser is one address's mailbox: the memserver user that stores the
// messages, plus the folder list with subscriptions and special-use
// attributes. imapmemserver v2.0.0-beta.8 drops CreateOptions.SpecialUse, so
// LIST is answered from this list instead of by the memserver.
type mailUser struct {
	*imapmemserver.User

	mu      sync.Mutex
	folders map[string]*folderMeta
}

// folderMeta is what LIST reports about one folder besides its name.
type folderMeta struct {
	subscribed bool
	specialUse []imap.MailboxAttr
}

// newMailUser returns an empty mailbox for username with password.
func newMailUser(username, password string) *mailUser {
	return &mailUser{
		User:    imapmemserver.NewUser(username, password),
		folders: make(map[string]*folderMeta),
	}
}

// Create creates a folder, keeping its special-use attributes for LIST.
func (u *mailUser) Create(name string, options *imap.CreateOptions) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.User.Create(name, options); err != nil {
		return err
	}
	meta := &folderMeta{}
	if options != nil {
		meta.specialUse = append([]imap.MailboxAttr(nil), options.SpecialUse...)
	}
	u.folders[strings.TrimRight(name, string(delim))] = meta
	return nil
}

// Delete deletes a folder.
func (u *mailUser) Delete(name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.User.Delete(name); err != nil {
		return err
	}
	delete(u.folders, name)
	return nil
}

// Rename renames a folder; its attributes go with it.
func (u *mailUser) Rename(oldName, newName string, options *imap.RenameOptions) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.User.Rename(oldName, newName, options); err != nil {
		return err
	}
	newName = strings.TrimRight(newName, string(delim))
	meta := u.folders[oldName]
	if meta == nil {
		meta = &folderMeta{}
	}
	delete(u.folders, oldName)
	u.folders[newName] = meta
	return nil
}

// Subscribe marks a folder as subscribed.
func (u *mailUser) Subscribe(name string) error { return u.setSubscribed(name, true) }

// Unsubscribe marks a folder as not subscribed.
func (u *mailUser) Unsubscribe(name string) error { return u.setSubscribed(name, false) }

func (u *mailUser) setSubscribed(name string, on bool) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	var err error
	if on {
		err = u.User.Subscribe(name)
	} else {
		err = u.User.Unsubscribe(name)
	}
	if err != nil {
		return err
	}
	if meta := u.folders[name]; meta != nil {
		meta.subscribed = on
	}
	return nil
}

// List answers LIST and LSUB, including special-use attributes (RFC 6154)
// and LIST-STATUS.
func (u *mailUser) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if options == nil {
		options = &imap.ListOptions{}
	}
	if len(patterns) == 0 {
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: delim})
	}

	u.mu.Lock()
	var l []imap.ListData
	for name, meta := range u.folders {
		match := false
		for _, pattern := range patterns {
			if imapserver.MatchList(name, delim, ref, pattern) {
				match = true
				break
			}
		}
		if !match || (options.SelectSubscribed && !meta.subscribed) ||
			(options.SelectSpecialUse && len(meta.specialUse) == 0) {
			continue
		}
		data := imap.ListData{Mailbox: name, Delim: delim}
		if meta.subscribed {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		if options.ReturnSpecialUse || options.SelectSpecialUse {
			data.Attrs = append(data.Attrs, meta.specialUse...)
		}
		l = append(l, data)
	}
	u.mu.Unlock()

	sort.Slice(l, func(i, j int) bool { return l[i].Mailbox < l[j].Mailbox })
	for i := range l {
		if options.ReturnStatus != nil {
			st, err := u.User.Status(l[i].Mailbox, options.ReturnStatus)
			if err != nil {
				continue // deleted meanwhile
			}
			l[i].Status = st
		}
		if err := w.WriteList(&l[i]); err != nil {
			return fmt.Errorf("write LIST response: %w", err)
		}
	}
	return nil
}
