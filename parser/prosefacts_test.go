package parser

import "testing"

func TestCancellationInPlainWords(t *testing.T) {
	cases := map[string]bool{
		"Vi kan desværre ikke deltage alligevel.":                           true,
		"Helsingør Kommune må desværre melde fra.":                          true,
		"Vi må melde fra.":                                                  true,
		"Vi trækker os fra Seniorpartnerskabet.":                            true,
		"We have to withdraw our registration.":                             true,
		"Direktøren kan desværre ikke deltage.":                             false,
		"Anne Hansen kan ikke deltage den 29. september.":                   false,
		"Kan vi melde fra senere, hvis det bliver nødvendigt?":              false,
		"Vi deltager gerne med to personer.":                                false,
		"Ja tak, vi vil gerne deltage – navne følger.":                      false,
		"Vi har talt om det, og vi ønsker ikke at deltage i år.":            true,
		"Vores TR kan ikke deltage, men vi deltager med to andre.":          false,
		"We are unfortunately unable to participate after all.":             true,
		"We cannot take part this year.":                                    true,
		"Vi afstår fra at deltage i denne omgang.":                          true,
		"Our director cannot attend the first day.":                         false,
		"Vi kan ikke deltage den 29. september, men gerne den 11. oktober.": false,
		"We cannot attend on the first day but will join later.":            false,
	}
	for text, want := range cases {
		if got := cancels(sentences(text)); got != want {
			t.Errorf("cancels(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestWantsToRegister(t *testing.T) {
	cases := map[string]bool{
		"Ja tak, vi vil gerne deltage – navne følger.":       true,
		"Vi vil meget gerne være med.":                       true,
		"Hermed tilmelding af Vejle Kommune.":                true,
		"We would like to take part.":                        true,
		"Vi vil gerne deltage, hvis vi kan nå det?":          false,
		"Vi kan desværre ikke deltage alligevel.":            false,
		"Vi har modtaget invitationen og vender tilbage.":    false,
		"Vi vil gerne vide, hvor mange der kan deltage?":     false,
		"Tak for invitationen. Vi drøfter det i HovedMED.":   false,
		"Vi ønsker ikke at deltage.":                         false,
		"Vi tilmelder os hermed Seniorpartnerskabet.":        true,
		"Kommunen vil gerne høre mere om Seniorpartnerskab.": false,
	}
	for text, want := range cases {
		if got := wantsToRegister(statements(sentences(text))); got != want {
			t.Errorf("wantsToRegister(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestProseUnitAndContact(t *testing.T) {
	d := New(Options{}).Kommuner()
	units := map[string]string{
		"Kun Børne- og Ungeforvaltningen deltager.":               "Børne- og Ungeforvaltningen",
		"I Holbæk Kommune deltager vi fra Social og Sundhed.":     "Social og Sundhed",
		"Vi deltager fra Teknik og Miljø.":                        "Teknik og Miljø",
		"Vi deltager fra Vejle Kommune.":                          "",
		"Vi deltager med HR-chef Anne Hansen og FTR Bo Jensen.":   "",
		"Kun to personer deltager.":                               "",
		"Vi deltager for ledelsen med Anne Hansen (ah@vejle.dk).": "",
	}
	for text, want := range units {
		if got := proseUnit(statements(sentences(text)), d); got != want {
			t.Errorf("proseUnit(%q) = %q, want %q", text, got, want)
		}
	}
	r := &Reply{From: "bjgr@gribskov.dk", Meta: Meta{FromName: "Grønbæk, Bjørn"}}
	got := proseContact(sentences("Hej. Kontaktperson er Bjørn Grønbæk, tlf. 49 28 28 28. Mvh"), r)
	want := Contact{Name: "Bjørn Grønbæk", Email: "bjgr@gribskov.dk", Phone: "49 28 28 28"}
	if got != want {
		t.Errorf("proseContact = %+v, want %+v", got, want)
	}
	if got := proseContact(sentences("Vi har ingen kontakt med HovedMED endnu."), r); got != (Contact{}) {
		t.Errorf("proseContact read a contact from %+v", got)
	}
}

func TestSelfParticipant(t *testing.T) {
	r := &Reply{From: "hib@ballerup.dk", Meta: Meta{FromName: "Ibsen, Hanne"}}
	cases := []struct {
		text string
		want Participant
		ok   bool
	}{
		{"Jeg deltager selv som HR-chef, og fra medarbejdersiden deltager FTR Lars Winge.", Participant{"Hanne Ibsen", "hib@ballerup.dk", "HR-chef", SideLedelse}, true},
		{"Fra ledelsen deltager undertegnede (konsulent).", Participant{"Hanne Ibsen", "hib@ballerup.dk", "konsulent", SideLedelse}, true},
		{"I will attend myself as HR Director.", Participant{"Hanne Ibsen", "hib@ballerup.dk", "HR Director", SideLedelse}, true},
		{"Jeg kan desværre ikke deltage selv.", Participant{}, false},
		{"Jeg håber, I kan bruge det.", Participant{}, false},
	}
	for _, c := range cases {
		got, ok := selfParticipant(statements(sentences(c.text)), r)
		if ok != c.ok || got != c.want {
			t.Errorf("selfParticipant(%q) = %+v %v, want %+v %v", c.text, got, ok, c.want, c.ok)
		}
	}
}
