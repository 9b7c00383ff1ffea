# Every Lua block of the docs compiles: a block that is a whole function
# file (it returns the handler) is run once through faas-run; any other
# block (a fragment of a handler) must at least be valid Lua.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/inc";

use FaasNginx;
use File::Temp qw(tempdir);
use Test::More;

my $top = $FaasNginx::Top;
my $run = $ENV{FAAS_RUN} || "$top/build/faas-run";

plan skip_all => "faas-run is not built ($run)" unless -x $run;

my $dir = tempdir(CLEANUP => 1);
my $n = 0;

for my $doc (glob("$top/docs/*.md"), "$top/README.md") {
    open my $in, '<', $doc or die $!;
    my $text = do { local $/; <$in> };
    my $name = $doc =~ s{^\Q$top\E/}{}r;
    my $i = 0;

    while ($text =~ /```lua\n(.*?)```/sg) {
        my $lua = $1;
        $i++;

        # a fragment: wrapped so that it is a chunk on its own
        my $whole = $lua =~ /^\s*return\s+function\b/m;
        $lua = "return function(event, context)\n$lua\nend\n"
            unless $whole;

        my $file = "$dir/snippet" . ++$n . ".lua";
        open my $out, '>', $file or die $!;
        print $out $lua;
        close $out;

        my $res = `$run $file --request 'GET /' 2>&1`;
        unlike($res, qr/\(syntax\)|cdata literals/,
               "$name, Lua block $i compiles")
            or diag($lua, $res);
    }
}

done_testing();
