#!/usr/bin/perl
# Summarise one TAP stream with perl's TAP::Parser (the parser behind
# prove). Prints one line:
#   pass=N fail=N skip=N todo=N planned=N seen=N status=ok|fail reason=...
# then "skip: ..." and "todo: ..." lines, one per skipped or TODO test.
# The stream fails on: no plan, more than one plan, a short or long plan,
# results out of sequence (duplicate or missing numbers), any "Bail out!"
# (even after a complete plan), a "not ok" that is not TODO (a "not ok #
# SKIP" is a failure), or any other parse error. Tests planned but never
# reported count as failed. "# TODO" and KTAP's "# XFAIL" are expected
# failures (todo). Lines that are not TAP (console noise, indented
# subtests) are ignored.
#   tap-summary.pl FILE
use strict;
use warnings;
use TAP::Parser;

my $file = shift @ARGV or die "usage: tap-summary.pl FILE\n";
open(my $fh, '<', $file) or die "tap-summary: cannot open $file: $!\n";
my $tap = do { local $/; <$fh> };
close($fh);
# Harness messages on stderr (merged into the stream) may come before the
# scenario's "TAP version" line; TAP::Parser only accepts it as the first
# line, and it changes nothing here, so drop it.
$tap =~ s/^TAP version \d+[ \t]*\n//mg;

my $parser = TAP::Parser->new({ tap => $tap });
my ($pass, $fail, $skip, $todo, $seen) = (0, 0, 0, 0, 0);
my (@skips, @todos, @reasons, $bail);
while (my $r = $parser->next) {
	if ($r->is_bailout) {
		$bail = 'Bail out! ' . $r->explanation;
		next;
	}
	next unless $r->is_test;
	$seen++;
	my $desc = $r->description;
	$desc =~ s/^\s*-\s*//;
	if ($r->has_todo || $r->directive eq '' && $r->as_string =~ /#\s*XFAIL\b/i) {
		$todo++;
		push @todos, $r->as_string;
		push @reasons, "test $seen ($desc): TODO passed unexpectedly" if $r->is_actual_ok && $r->has_todo;
	} elsif ($r->has_skip) {
		if ($r->is_actual_ok) {
			$skip++;
			push @skips, ($desc ne '' ? "$desc: " : '') . $r->explanation;
		} else {
			$fail++;
			push @reasons, "test $seen: 'not ok # SKIP' is a failure";
		}
	} elsif ($r->is_actual_ok) {
		$pass++;
	} else {
		$fail++;
	}
}

my $planned = defined $parser->tests_planned ? $parser->tests_planned : -1;
my @errors = $parser->parse_errors;
if ($planned < 0) {
	push @reasons, 'no TAP plan';
	$fail++;
} elsif ($seen < $planned) {
	push @reasons, ($planned - $seen) . ' planned test(s) never reported';
	$fail += $planned - $seen;
} elsif ($seen > $planned) {
	push @reasons, 'more results than planned';
	$fail++;
}
# The plan errors are reported above in our words; keep the others
# (out of sequence, more than one plan, ...).
for my $e (@errors) {
	next if $e =~ /^(Bad plan|No plan found)/;
	push @reasons, $e;
	$fail++;
}
if (defined $bail) {
	push @reasons, $bail;
	$fail++ unless $seen < $planned;
}
if ($planned == 0 && $parser->skip_all) {
	push @skips, 'all: ' . $parser->skip_all;
	$skip++;
}

my $reason = join('; ', @reasons);
printf "pass=%d fail=%d skip=%d todo=%d planned=%d seen=%d status=%s reason=%s\n",
	$pass, $fail, $skip, $todo, $planned, $seen, ($fail ? 'fail' : 'ok'), $reason;
print "skip: $_\n" for @skips;
print "todo: $_\n" for @todos;
