# The one median routine of the bench (awk library; load with -f before
# the program). stats(a, n): sorts a[1..n] numerically in place and
# returns "MEDIAN MIN MAX N" ("NA NA NA 0" for n = 0).
function stats(a, n,    i, j, t, m) {
	if (n == 0) return "NA NA NA 0"
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	m = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	return m " " a[1] " " a[n] " " n
}
