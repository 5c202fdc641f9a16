#!/bin/bash
# Every man page's EXAMPLES, run as written (see tests/data/examples/README).
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

start_httpd "$DATA/examples" || exit 1
for page in "$TOP"/man/*.[1-8]; do
	name=$(basename "$page" | sed 's/\.[1-8]$//')
	box=$TMP/examples-$(basename "$page")
	mkdir -p "$box"
	cp -R "$DATA/examples/." "$box/"
	extract "$page" >"$box/.commands"
	[ -s "$box/.commands" ] || {
		test_count=$((test_count + 1))
		echo "not ok $test_count - $(basename "$page") has no EXAMPLES commands"
		test_failed=$((test_failed + 1))
		continue
	}
	(
		cd "$box" &&
		export JOBLINE_DB="$box/jobline.db" http_proxy="$HTTPD" &&
		if [ -f "$name.setup" ]; then sh "$name.setup"; fi
	) >"$box/.setup-out" 2>&1 || {
		test_count=$((test_count + 1))
		echo "not ok $test_count - $name.setup failed"
		sed 's/^/#   /' "$box/.setup-out"
		test_failed=$((test_failed + 1))
		continue
	}
	while IFS='	' read -r directive cmd; do
		test_count=$((test_count + 1))
		title="$(basename "$page"): $(printf "%s" "$cmd" | tr "\n" " ")"
		case $directive in
		skip)
			printf "ok %d - %s # SKIP marked test: skip\n" "$test_count" "$title"
			continue ;;
		exit*)	want=${directive#exit } ;;
		*)	want=0 ;;
		esac
		(cd "$box" && JOBLINE_DB="$box/jobline.db" http_proxy="$HTTPD" \
		    timeout $((120 * JOBLINE_SLOW)) sh -c "$cmd") </dev/null >"$box/.out" 2>&1
		rc=$?
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
