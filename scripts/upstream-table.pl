#!/usr/bin/perl
# upstream-table.pl BASE_LOGS SERIES_LOGS: the mm kselftests of two
# make check-upstream runs (tests/mm-selftests.sh), test by test, side by
# side, as a Markdown table on stdout; then the console splats only the
# series has. Exit status 1 when the series fails a test the base passes
# or skips, lacks a result the base has, or has a splat the base lacks.
# Each run's per-category TAP is read with TAP::Parser.
use strict;
use warnings;
use TAP::Parser;

@ARGV == 2 or die "usage: upstream-table.pl BASE_LOGS SERIES_LOGS\n";
my @runs = @ARGV;

# results(DIR): { "category\ttest" => ok|FAIL|skip }, in first-seen order.
my @order;
my %seen;
sub results {
	my ($dir) = @_;
	my %r;
	my $top = "$dir/mm-selftests.tap";
	-f $top or die "upstream-table: no $top (did the run start?)\n";
	my $p = TAP::Parser->new({ source => $top });
	my @cats;
	while (my $t = $p->next) {
		next unless $t->is_test;
		(my $name = $t->description) =~ s/^- //;
		$name =~ s/ \(SUMMARY: .*\)$//;
		push @cats, [ $name, $t ];
	}
	for my $c (@cats) {
		my ($cat, $t) = @$c;
		my $tap = "$dir/mm-selftests/$cat.tap";
		my $n = 0;
		if (-f $tap && open(my $fh, '<', $tap)) {
			my $text = do { local $/; <$fh> };
			close $fh;
			if ($text =~ /^(?:not )?ok \d/m) {
				my $sub = TAP::Parser->new({ tap => $text });
				my %dup;
				while (my $s = $sub->next) {
					next unless $s->is_test;
					# By name, not number: a test one tree lacks must not
					# shift the others. A name run twice is counted.
					(my $name = $s->description) =~ s/ # exit=\d+$//;
					$name .= " (" . ($dup{$name} + 1) . ")" if $dup{$name}++;
					my $key = "$cat\t$name";
					$r{$key} = !$s->is_ok ? 'FAIL' : $s->has_skip ? 'skip' : 'ok';
					push @order, $key unless $seen{$key}++;
					$n++;
				}
			}
		}
		next if $n;
		# A category without TAP of its own (the hotplug script, or a
		# run that did not get as far): its result line. Lines with no
		# kept output are the scenario's own checks.
		my $key = -f $tap ? "$cat\t(whole category)" : "(scenario)\t$cat";
		$r{$key} = !$t->is_ok ? 'FAIL' : $t->has_skip ? 'skip' : 'ok';
		push @order, $key unless $seen{$key}++;
	}
	return \%r;
}

# splats(DIR): the splat lines, with times, addresses and numbers masked.
sub splats {
	my ($dir) = @_;
	my %s;
	open(my $fh, '<', "$dir/mm-selftests/splats.txt") or return \%s;
	while (my $l = <$fh>) {
		chomp $l;
		$l =~ s/^\[\s*[\d.]+\]\s*//;
		$l =~ s/0x[0-9a-f]+|\b[0-9a-f]{8,}\b/X/gi;
		$l =~ s/\b\d+\b/N/g;
		$s{$l}++ if $l ne '';
	}
	close $fh;
	return \%s;
}

my ($base, $series) = map { results($_) } @runs;
my $bad = 0;
my %count;
print "| category | test | base | series |\n| --- | --- | --- | --- |\n";
for my $key (@order) {
	my ($cat, $test) = split /\t/, $key;
	my $b = $base->{$key} // 'not run';
	my $s = $series->{$key} // 'not run';
	my $new = $s ne 'ok' && $s ne 'skip' && ($b eq 'ok' || $b eq 'skip');
	$bad++ if $new;
	$count{"$b/$s"}++;
	printf "| %s | %s | %s | %s%s |\n", $cat, $test, $b, $s, $new ? ' (new)' : '';
}
print "\n";
printf "%s: %d\n", $_, $count{$_} for sort keys %count;

my ($bs, $ss) = map { splats($_) } @runs;
my @newsplat = grep { !$bs->{$_} } sort keys %$ss;
printf "splats: base %d, series %d, only on the series %d\n",
	scalar(keys %$bs), scalar(keys %$ss), scalar(@newsplat);
print "  $_\n" for @newsplat;
printf "verdict: %s\n", ($bad || @newsplat) ?
	"$bad new failure(s), " . scalar(@newsplat) . " new splat(s)" : 'no new failure, no new splat';
exit(($bad || @newsplat) ? 1 : 0);
