# json-keys.awk: print the key paths of a JSON document, one a line, in the
# order they first appear, each once: "demo", "tasks[].name",
# "results.threads.wall_ms". An array adds "[]" to the path of what it holds.
# POSIX awk (mawk, gawk, busybox). Used by doc/tools/gen-demos.sh and
# tests/e2e_docs.sh, so the manual's key lists come from real reports.
#
#   awk -f doc/tools/json-keys.awk report.json

{ text = text $0 "\n" }

function push(kind, path) { depth++; kinds[depth] = kind; paths[depth] = path }

END {
	n = length(text)
	depth = 0
	push("top", "")
	expect_key = 0
	for (i = 1; i <= n; i++) {
		c = substr(text, i, 1)
		if (c == "\"") {
			s = ""
			for (i++; i <= n; i++) {
				c = substr(text, i, 1)
				if (c == "\\") { s = s c substr(text, i + 1, 1); i++; continue }
				if (c == "\"") break
				s = s c
			}
			if (kinds[depth] == "object" && expect_key) {
				key = (paths[depth] == "" ? s : paths[depth] "." s)
				if (!(key in seen)) { seen[key] = 1; print key }
				expect_key = 0
			}
		} else if (c == "{") {
			push("object", value_path())
			expect_key = 1
		} else if (c == "[") {
			push("array", value_path() "[]")
		} else if (c == "}" || c == "]") {
			depth--
		} else if (c == ",") {
			if (kinds[depth] == "object") expect_key = 1
		}
	}
}

# The path of the value being read: the last key of the enclosing object,
# or the enclosing array's path.
function value_path() {
	if (kinds[depth] == "object") return key
	return paths[depth]
}
