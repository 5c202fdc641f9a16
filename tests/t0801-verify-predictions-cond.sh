#!/bin/bash
# verify-predictions: the condition language (--eval), operators, precedence,
# boundaries, errors with their column, bounds
. "$(dirname "$0")/lib.sh"

# ev COND START END: print true/false (or the error)
ev() {
	verify-predictions --eval "$1" --start-price "$2" --end-price "$3" 2>&1
}

# refused COND PATTERN: COND is refused (exit 1) with PATTERN in the message
refused() {
	ev "$1" 100 100 >refused.out
	rc=$?
	[ "$rc" = 1 ] || { echo "$1: exit $rc, wanted 1"; return 1; }
	grep -q "$2" refused.out
}

# is WANT COND START END
is() {
	got=$(ev "$2" "$3" "$4")
	[ "$got" = "$1" ] || { echo "$2 at $3 -> $4: got '$got', wanted '$1'"; return 1; }
}

test_expect 'each comparison operator, on both sides of a boundary' '
	is true  "price < 101"  100 100.5 && is false "price < 100.5" 100 100.5 &&
	is true  "price <= 100.5" 100 100.5 && is false "price <= 100.4" 100 100.5 &&
	is true  "price > 100.4" 100 100.5 && is false "price > 100.5" 100 100.5 &&
	is true  "price >= 100.5" 100 100.5 && is false "price >= 100.6" 100 100.5 &&
	is true  "price == 100.5" 100 100.5 && is false "price == 100.6" 100 100.5 &&
	is true  "price != 100.6" 100 100.5 && is false "price != 100.5" 100 100.5 &&
	is true  "101 > price" 100 100.5 && is true "1 < 2" 100 100
'

test_expect 'the four variables' '
	is true "start_price == 2000" 2000 2020 &&
	is true "price == 2020" 2000 2020 &&
	is true "price_change == 20" 2000 2020 &&
	is true "price_change_percent == 1" 2000 2020 &&
	is true "price_change == -20 AND price_change_percent == -1" 2000 1980
'

test_expect 'AND binds tighter than OR, NOT tighter than AND; parentheses' '
	# false OR (true AND true) = true; (false OR true) AND false = false
	is true  "price < 0 OR price > 0 AND price > 1" 100 100 &&
	is false "(price < 0 OR price > 0) AND price < 1" 100 100 &&
	is true  "price < 0 OR price > 0 AND NOT price < 1" 100 100 &&
	# NOT a AND b = (NOT a) AND b
	is false "NOT price > 1 AND price > 1" 100 100 &&
	is true  "NOT (price > 1 AND price < 1)" 100 100 &&
	is true  "NOT NOT price > 1" 100 100 &&
	is true  "price < 0 or price > 1 and not price == 5" 100 100 &&
	is true  "((price > 1))" 100 100
'

test_expect 'keywords in any case, variables exact' '
	is true "price > 1 aNd price > 2 Or price < 0" 100 100 &&
	is true "nOt price < 1" 100 100 &&
	refused "PRICE > 1" "unknown name .PRICE."
'

test_expect 'exactly 1.0 percent and exactly 0 are boundaries, not rounding noise' '
	is true  "price_change_percent >= 1.0" 2000 2020 &&
	is false "price_change_percent > 1.0" 2000 2020 &&
	is true  "price_change_percent >= 1.0" 1.1 1.111 &&
	is true  "price_change_percent == 1" 1.1 1.111 &&
	is true  "price_change == 0.011" 1.1 1.111 &&
	is true  "price_change_percent <= 0 AND price_change_percent >= 0" 2650.1 2650.1 &&
	is false "price_change_percent > 0" 2650.1 2650.1 &&
	is true  "price_change_percent >= -0.5" 100 99.5 &&
	is false "price_change_percent < -0.5" 100 99.5 &&
	is true  "price_change_percent < -0.5" 100 99.49
'

test_expect 'numbers: decimals, signs, exponents' '
	is true "price_change_percent < -.5" 100 99 &&
	is true "price_change_percent<-0.5" 100 99 &&
	is true "price == 1e2" 100 100 && is true "price == 1E+2" 100 100 &&
	is true "price == 10000e-2" 100 100 && is true "price > .5" 100 100
'

test_expect 'malformed conditions: the reason and the column' '
	while IFS="@" read -r cond want; do
		got=$(ev "$cond" 100 101)
		case $got in
		*"$want"*) ;;
		*) echo "[$cond] gave [$got], wanted [$want]"; exit 1 ;;
		esac
		exits 1 verify-predictions --eval "$cond" --start-price 1 --end-price 1 2>/dev/null || exit 1
	done <<-\EOC
	@column 1: empty condition
	price@column 6: expected a comparison
	price = 1@column 7: '"'"'='"'"' is not an operator, use '"'"'=='"'"'
	price => 1@column 7: '"'"'=>'"'"' is not an operator, use '"'"'>='"'"'
	price > 1 && price < 2@column 11: '"'"'&'"'"' is not an operator, use AND
	price > 1 || price < 2@column 11: '"'"'|'"'"' is not an operator, use OR
	!(price > 1)@column 1: '"'"'!'"'"' is not an operator, use NOT
	price > 1 AND@column 14: expected a variable or a number, found end of condition
	price > 1 price < 2@column 11: expected AND, OR or the end, found '"'"'price'"'"'
	(price > 1@column 11: expected '"'"')'"'"' to close the '"'"'('"'"' at column 1
	price > 1)@column 10: expected AND, OR or the end, found '"'"')'"'"'
	1 < price < 2@column 11: comparisons do not chain
	prices > 1@column 1: unknown name '"'"'prices'"'"'
	price > 1.2.3@column 9: malformed number
	price > 1e@column 9: malformed number
	price > 1x@column 9: malformed number
	price > -@column 9: unexpected character '"'"'-'"'"'
	price > 1e400@column 9: number out of range
	price > $x@column 9: unexpected character '"'"'$'"'"'
	price > 1 AND OR price < 2@column 15: expected a variable or a number, found '"'"'OR'"'"'
	()@column 2: expected a variable or a number, found '"'"')'"'"'
	NOT@column 4: expected a variable or a number
	EOC
'

test_expect 'nesting is bounded: 32 levels pass, 33 are refused' '
	open=$(printf "%032d" 0 | tr 0 "(") && close=$(printf "%032d" 0 | tr 0 ")") &&
	is true "${open}price > 1${close}" 100 100 &&
	refused "(${open}price > 1${close})" "nested more than 32 deep" &&
	nots=$(printf "%040d" 0 | sed "s/0/NOT /g") &&
	refused "${nots}price > 1" "nested more than 32 deep"
'

test_expect 'length is bounded; long flat conditions are fine' '
	long=$(awk "BEGIN { s = \"price > 0\"; for (i = 0; i < 200; i++) s = s \" AND price > \" i % 50; print s }") &&
	is true "$long" 100 100 &&
	huge=$(awk "BEGIN { s = \"price > 0\"; for (i = 0; i < 500; i++) s = s \" AND price > 1\"; print s }") &&
	refused "$huge" "longer than 4096 bytes"
'

test_expect 'bytes that are not text are refused, never crash' '
	refused "$(printf "price > 1 \001")" "unexpected byte 0x01" &&
	refused "$(printf "price \303\251 1")" "column 7: unexpected byte 0xc3" &&
	awk "BEGIN { srand(8); for (n = 0; n < 300; n++) { s = \"\"; l = int(rand() * 40);
	    for (i = 0; i < l; i++) { r = rand();
	      if (r < 0.3) s = s substr(\"()<>=!-.eE0123456789 \", int(rand() * 22) + 1, 1);
	      else if (r < 0.6) s = s \" \" substr(\"AND OR NOT price start_price price_change_percent\", int(rand() * 40) + 1, int(rand() * 8) + 1);
	      else s = s sprintf(\"%c\", 33 + int(rand() * 94)) }
	    print s } }" >fuzz &&
	while IFS= read -r line; do
		verify-predictions --eval "$line" --start-price 100 --end-price 101 >/dev/null 2>&1
		rc=$?
		[ $rc -le 1 ] || { echo "[$line] exited $rc"; exit 1; }
	done <fuzz
'

test_expect '--eval needs both prices, a positive start' '
	exits 2 verify-predictions --eval "price > 1" --start-price 1 2>/dev/null &&
	exits 2 verify-predictions --eval "price > 1" --start-price 0 --end-price 1 2>/dev/null &&
	exits 2 verify-predictions --eval "price > 1" --start-price x --end-price 1 2>/dev/null
'

test_done
