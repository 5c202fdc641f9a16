#!/bin/bash
# Every man page's EXAMPLES, run as written, as a new user would: the
# installed programs (make install into a directory of the test's) in a
# fresh directory holding only the installed example files
# (share/examples/README), with HOME there and no JOBLINE_DB; an example
# host's URL is served from that directory by tests/httpd.py (http_proxy).
# A command that exports a variable sets it for the page's later commands.
# Where the page shows output under a command, the output must match it,
# times and durations aside (see same_output).
. "$(dirname "$0")/lib.sh"

# extract PAGE: one line per command, "DIRECTIVE<TAB>COMMAND", where
# DIRECTIVE is "run", "skip" or "exit N"
extract() {
	awk '
	function unescape(s) {
		gsub(/\\\(aq/, "\047", s); gsub(/\\\(dq/, "\"", s)
		gsub(/\\\(ti/, "~", s); gsub(/\\\(ha/, "^", s)
		gsub(/\\\(ga/, "`", s); gsub(/\\-/, "-", s); gsub(/\\&/, "", s)
		gsub(/\\e/, "\\", s)
		return s
	}
	/^\.Sh / { ex = ($0 == ".Sh EXAMPLES"); next }
	!ex { next }
	/^\.Bd/ { bd = 1; next }
	/^\.Ed/ { bd = 0; next }
	!bd { next }
	/^\.\\" test: skip/ { directive = "skip"; next }
	/^\.\\" test: exit [0-9]+/ { directive = "exit " $4; next }
	cont {
		line = $0
		cont = sub(/\\e$/, "", line)
		cmd = cmd " " line
		if (!cont) { print directive "\t" unescape(cmd); directive = "run" }
		next
	}
	/^\$ / {
		line = substr($0, 3)
		cont = sub(/\\e$/, "", line)
		cmd = line
		if (!cont) { print directive "\t" unescape(cmd); directive = "run" }
	}
	BEGIN { directive = "run" }
	' "$1"
}

# shown PAGE: the output the page shows after each command, as
# "N<TAB>LINE" for the Nth command (the numbering of extract's); nothing
# for a command the page shows no output for
shown() {
	awk '
	/^\.Sh / { ex = ($0 == ".Sh EXAMPLES"); next }
	!ex { next }
	/^\.Bd/ { bd = 1; after = 0; next }
	/^\.Ed/ { bd = 0; after = 0; next }
	!bd || /^\.\\"/ { next }
	cont { cont = /\\e$/; next }
	/^\$ / { n++; cont = /\\e$/; after = 1; next }
	after { s = $0; gsub(/\\e/, "\\", s); gsub(/\\&/, "", s)
		gsub(/\\\(aq/, "\047", s); gsub(/\\-/, "-", s); print n "\t" s }
	' "$1"
}

# same_output WANT GOT: the same lines once times ("2026-11-22 08:30:00",
# RFC 3339), durations and ages ("2ms", "12s") and runs of blanks (column
# widths) are made alike
same_output() {
	norm='s/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+Z?/TIME/g;
	    s/\b[0-9]+(\.[0-9]+)?(ms|s|m|h|d)\b/DURATION/g; s/[ \t]+/ /g'
	sed -E "$norm" "$1" >"$1.n" && sed -E "$norm" "$2" >"$2.n" &&
	diff -u "$1.n" "$2.n"
}

# the installed files: programs, scripts and examples (valgrind's
# wrappers of bin/ under make check-valgrind)
make -s -C "$TOP" SANITIZE="${SANITIZE:-}" DESTDIR="$TMP/root" install \
    >"$TMP/.install-out" 2>&1 || { cat "$TMP/.install-out"; exit 1; }
EXAMPLES=$TMP/root/usr/local/share/jobline/examples
[ -n "${JOBLINE_VALGRIND:-}" ] || PATH=$TMP/root/usr/local/bin:$PATH
unset JOBLINE_DB JOBLINE_SHARE
start_httpd "$EXAMPLES" || exit 1
for page in "$TOP"/man/*.[1-8]; do
	name=$(basename "$page" | sed 's/\.[1-8]$//')
	box=$TMP/examples-$(basename "$page")
	mkdir -p "$box/home"
	cp -R "$EXAMPLES/." "$box/"
	: >"$box/.env"
	extract "$page" >"$box/.commands"
	shown "$page" >"$box/.shown"
	[ -s "$box/.commands" ] || {
		test_count=$((test_count + 1))
		echo "not ok $test_count - $(basename "$page") has no EXAMPLES commands"
		test_failed=$((test_failed + 1))
		continue
	}
	n=0
	while IFS='	' read -r directive cmd; do
		n=$((n + 1))
		test_count=$((test_count + 1))
		title="$(basename "$page"): $(printf "%s" "$cmd" | tr "\n" " ")"
		case $directive in
		skip)
			printf "ok %d - %s # SKIP marked test: skip\n" "$test_count" "$title"
			continue ;;
		exit*)	want=${directive#exit } ;;
		*)	want=0 ;;
		esac
		case $cmd in
		"export "*) printf '%s\n' "$cmd" >>"$box/.env" ;;
		esac
		(cd "$box" && export HOME="$box/home" http_proxy="$HTTPD" &&
		    unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME &&
		    . ./.env && timeout $((120 * JOBLINE_SLOW)) sh -c "$cmd") \
		    </dev/null >"$box/.out" 2>&1
		rc=$?
		awk -F '\t' -v n=$n '$1 == n { sub(/^[^\t]*\t/, ""); print }' \
		    "$box/.shown" >"$box/.want"
		if [ "$rc" = "$want" ] && [ -s "$box/.want" ] &&
		    ! same_output "$box/.want" "$box/.out" >"$box/.diff"; then
			rc="output"
			want="the output shown"
			cat "$box/.diff" >>"$box/.out"
		fi
		# make check-valgrind: an error or a leak fails the command
		test_vg_clean >>"$box/.out" || rc="valgrind"
		if [ "$rc" = "$want" ]; then
			printf "ok %d - %s\n" "$test_count" "$title"
		else
			printf "not ok %d - %s\n" "$test_count" "$title"
			echo "#   exit status $rc, wanted $want"
			sed 's/^/#   /' "$box/.out" | head -n 20
			test_failed=$((test_failed + 1))
		fi
	done <"$box/.commands"
done
test_done
