# Summarise one TAP stream. Prints one line:
#   pass=N fail=N skip=N todo=N planned=N seen=N status=ok|fail reason=...
# A missing plan, fewer results than planned, or a "Bail out!" fails the
# stream; tests planned but never reported count as failed.
# Skipped and TODO tests are listed on extra "skip:" / "todo:" lines.
BEGIN { planned = -1 }
/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); planned = $0 + 0; next }
/^Bail out!/ { bail = $0; next }
/^(not )?ok( |$)/ {
	seen++
	line = $0
	if (line ~ /# *[Ss][Kk][Ii][Pp]/) {
		skip++
		sub(/^.*# *[Ss][Kk][Ii][Pp] */, "", line)
		skips[skip] = line
	} else if (line ~ /^not ok/ && line ~ /# *TODO/) {
		todo++
		todos[todo] = $0
	} else if (line ~ /^ok/) {
		pass++
	} else {
		fail++
	}
}
END {
	reason = ""
	if (planned < 0) { reason = "no TAP plan"; fail++ }
	else if (seen < planned) { reason = (planned - seen) " planned test(s) never reported"; fail += planned - seen }
	else if (seen > planned) { reason = "more results than planned"; fail++ }
	if (bail != "") reason = reason (reason ? "; " : "") bail
	printf "pass=%d fail=%d skip=%d todo=%d planned=%d seen=%d status=%s reason=%s\n",
		pass, fail, skip, todo, planned, seen, (fail ? "fail" : "ok"), reason
	for (i = 1; i <= skip; i++) print "skip: " skips[i]
	for (i = 1; i <= todo; i++) print "todo: " todos[i]
}
