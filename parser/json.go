package parser

import "encoding/json"

// MarshalJSON writes an unknown Side as null, as docs/DESIGN.md specifies.
func (p Participant) MarshalJSON() ([]byte, error) {
	var side *string
	if p.Side != "" {
		side = &p.Side
	}
	return json.Marshal(struct {
		Name  string  `json:"name"`
		Email string  `json:"email"`
		Title string  `json:"title"`
		Side  *string `json:"side"`
	}{p.Name, p.Email, p.Title, side})
}

// MarshalJSON writes the lists of r as [] when they are nil, so that the
// JSON contract holds for a Reply built by hand as well as by Parse.
func (r Reply) MarshalJSON() ([]byte, error) {
	type plain Reply // drops the method, avoiding recursion
	c := plain(r)
	if c.Participants == nil {
		c.Participants = []Participant{}
	}
	if c.Missing == nil {
		c.Missing = []string{}
	}
	if c.FailedRecipients == nil {
		c.FailedRecipients = []string{}
	}
	return json.Marshal(c)
}
