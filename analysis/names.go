package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dop251/goja/ast"
)

// IsValidIdentifier reports whether name is a JavaScript IdentifierName
// (reserved words included; see IsReservedWord).
func IsValidIdentifier(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if r == '$' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			continue
		}
		if i > 0 && '0' <= r && r <= '9' {
			continue
		}
		if r >= 0x80 && isIdentRune(r) && !(i == 0 && isIdentPartOnly(r)) {
			continue
		}
		return false
	}
	return true
}

func isIdentPartOnly(r rune) bool {
	return !strings.ContainsRune("$_", r) && !isLetterRune(r)
}

func isLetterRune(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) }

// identEnd is the end of an identifier in src. goja computes it from the
// decoded name's length in UTF-16-with-BOM units, which is wrong for
// non-ASCII and escaped names, so the source is re-scanned then.
func identEnd(src string, start int, id *ast.Identifier) int {
	name := id.Name.String()
	if strings.HasPrefix(src[start:], name) {
		return start + len(name)
	}
	i := start
	for i < len(src) {
		c := src[i]
		if c == '\\' { // \uXXXX or \u{…}
			i += 2
			if i < len(src) && src[i] == '{' {
				for i < len(src) && src[i] != '}' {
					i++
				}
				i++
			} else {
				i += 4
			}
			continue
		}
		if c < utf8.RuneSelf {
			if !isIdentByte(c) {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if !isIdentRune(r) {
			break
		}
		i += size
	}
	if i > len(src) {
		i = len(src)
	}
	return i
}

func isIdentRune(r rune) bool {
	return r == '$' || r == '_' || r == '\u200c' || r == '\u200d' ||
		unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nl, unicode.Pc)
}
