package parser

import "strings"

// ReplyLine is the line the bot's own mails carry where a reply should
// end, in the manner of Discourse's and Zendesk's "type your reply above
// this line": a reply to a bot mail is cut there before any other quote
// reading, whatever the mail client did to the quoted part below it. It
// stands after the pre-filled form of an invitation or a
// missing-information mail, so an answer typed into the form is above it.
const ReplyLine = "## Skriv dit svar over denne linje ##"

// replyLineWords is ReplyLine as foldedWords sees it.
var replyLineWords = foldedWords(ReplyLine)

// beforeReplyLine returns body up to the first line that is ReplyLine
// (quoted with ">", bold, or decorated otherwise). A reply with nothing of
// its own above the line (someone who wrote below the quote) is kept
// whole, for the ordinary quote reading.
func beforeReplyLine(body string) string {
	at := replyLineAt(body)
	if at < 0 {
		return body
	}
	above := body[:at]
	if strings.TrimSpace(newText(above)) == "" {
		return body
	}
	return above
}

// replyLineAt is the byte offset of the line holding ReplyLine, or -1.
func replyLineAt(body string) int {
	if !mayHoldReplyLine(body) {
		return -1 // the cheap test first: most mails are not replies to the bot
	}
	for at := 0; at < len(body); {
		end := strings.IndexByte(body[at:], '\n')
		if end < 0 {
			end = len(body) - at
		}
		line := body[at : at+end]
		if containsFold(line, "denne linje") && strings.Contains(foldedWords(line), replyLineWords) {
			return at
		}
		at += end + 1
	}
	return -1
}

// mayHoldReplyLine is containsFold(body, "denne linje"), found from the
// rare 'j' (its tenth byte) by strings.IndexByte instead of trying every
// 'd': it runs over every body. (No rune outside ASCII folds to a letter
// of the words, so a match is ASCII and holds 'j' or 'J' there.)
func mayHoldReplyLine(body string) bool {
	const words, j = "denne linje", 9
	for _, c := range [...]byte{'j', 'J'} {
		for off := j; off < len(body); {
			k := strings.IndexByte(body[off:], c)
			if k < 0 {
				break
			}
			at := off + k - j
			if at+len(words) <= len(body) && body[at+5] == ' ' && strings.EqualFold(body[at:at+len(words)], words) {
				return true
			}
			off += k + 1
		}
	}
	return false
}
