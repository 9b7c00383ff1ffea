package Test::Nginx::Util;

# A small stand-in for the CPAN Test::Nginx::Util, used only when the real
# Test::Nginx is not installed (tools/prove-t adds -I t/lib in that case).
# It implements the documented Test::Nginx::Socket semantics for the subset
# of block sections listed in %Supported; any other section is a hard error,
# so a test can never pass by having a section silently ignored.

use strict;
use warnings;

use Exporter 'import';
use Test::More ();
use Test::LongString ();
use Time::HiRes qw(sleep time);
use IO::Socket::INET ();
use IO::Select ();
use POSIX qw(SIGQUIT SIGKILL);
use File::Path qw(make_path remove_tree);
use File::Spec ();
use HTTP::Response ();
use List::Util qw(shuffle min);

our @EXPORT = qw(
    run_tests run_test repeat_each no_shuffle master_on master_off
    master_process_enabled workers worker_connections log_level
    no_long_string no_root_location env_to_nginx add_block_preprocessor
    server_root html_dir server_port server_port_for_client server_addr
    server_name timeout config_preamble is_str bail_out
    add_cleanup_handler add_test_cleanup_handler
    $ServerPort $ServerPortForClient $ServerRoot $ServRoot $HtmlDir
    $ErrLogFile $AccLogFile $PidFile $NginxBinary $RepeatEach
);

# sections this runner implements; everything else dies up front
our %Supported = map { $_ => 1 } qw(
    config http_config main_config post_main_config
    request more_headers pipelined_requests raw_request
    raw_request_middle_delay
    response_body response_body_like response_body_unlike
    error_code error_code_like
    response_headers response_headers_like
    raw_response_headers_like raw_response_headers_unlike
    error_log no_error_log grep_error_log grep_error_log_out
    access_log no_access_log
    shutdown_error_log
    user_files must_die suppress_stderr timeout wait init
    log_level ignore_response skip_nginx skip_eval no_check_leak
    ONLY LAST SKIP
);

our $RepeatEach = 1;
our $NoShuffle = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $Workers = 1;
our $WorkerConnections = 64;
our $LogLevel = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $NoLongString = 0;
our $NoRootLocation = 0;
our $ConfigPreamble = '';
our $Timeout = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $TestNginxSleep = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $NginxBinary = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $LoadModules = $ENV{TEST_NGINX_LOAD_MODULES};
our $Randomize = $ENV{TEST_NGINX_RANDOMIZE};
our $ServerAddr = '127.0.0.1';
our $ServerName = 'localhost';
our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                  || 1984;
our $ServerPortForClient;
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our @TestCleanupHandlers;
our $NginxVersion;

our ($ServRoot, $ServerRoot, $LogDir, $ErrLogFile, $AccLogFile, $HtmlDir,
     $ConfDir, $ConfFile, $PidFile, $StderrFile);

# per-block state
our ($ErrLogPos, $AccLogPos, $PendingStartupLines);
our $NginxRunning;

# Ports are drawn from /dev/urandom, below Linux's ephemeral range
# (32768-60999) so that no outgoing connection holds one: files that
# prove -j starts in the same second must not draw the same port, which
# rand() seeded from the pid and the time did.
sub rand_port () {
    my $bytes;

    open my $fh, '<:raw', '/dev/urandom' or return 1988 + int(rand 30000);
    read $fh, $bytes, 4;
    close $fh;

    return 1988 + unpack('N', $bytes) % (32768 - 1988);
}

sub gen_rand_port () {
    for (1 .. 1000) {
        my $port = rand_port();
        my $sock = IO::Socket::INET->new(
            LocalAddr => $ServerAddr,
            LocalPort => $port,
            Proto     => 'tcp',
            Listen    => 1,
            ReuseAddr => 1,
        );

        if ($sock) {
            close $sock;
            return $port;
        }
    }

    return undef;
}

if ($Randomize) {
    $ServerPort = gen_rand_port()
        or die "Test::Nginx: cannot find a free port\n";
    $ServRoot = File::Spec->rel2abs("t/servroot_$ServerPort");

} else {
    $ServRoot = $ENV{TEST_NGINX_SERVROOT}
                || File::Spec->rel2abs('t/servroot');
}

$ServRoot = File::Spec->rel2abs($ServRoot);
$ServerRoot = $ServRoot;
$ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

$LogDir     = "$ServRoot/logs";
$ErrLogFile = "$LogDir/error.log";
$AccLogFile = "$LogDir/access.log";
$HtmlDir    = "$ServRoot/html";
$ConfDir    = "$ServRoot/conf";
$ConfFile   = "$ConfDir/nginx.conf";
$PidFile    = "$LogDir/nginx.pid";
$StderrFile = "$LogDir/nginx.stderr";


# ---------------------------------------------------------------- options

sub repeat_each (@) { $RepeatEach = shift if @_; $RepeatEach }
sub no_shuffle () { $NoShuffle = 1 }
sub master_on () { $MasterProcessEnabled = 'on' }
sub master_off () { $MasterProcessEnabled = 'off' }
sub master_process_enabled (@) {
    $MasterProcessEnabled = $_[0] ? 'on' : 'off' if @_;
    $MasterProcessEnabled eq 'on';
}
sub workers (@) { $Workers = shift if @_; $Workers }
sub worker_connections (@) {
    $WorkerConnections = shift if @_;
    $WorkerConnections;
}
sub log_level (@) { $LogLevel = shift if @_; $LogLevel }
sub no_long_string () { $NoLongString = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub config_preamble (@) { $ConfigPreamble = shift if @_; $ConfigPreamble }
sub timeout (@) { $Timeout = shift if @_; $Timeout }
sub server_root () { $ServRoot }
sub html_dir () { $HtmlDir }
sub server_port (@) { $ServerPort = shift if @_; $ServerPort }
sub server_port_for_client (@) {
    $ServerPortForClient = shift if @_;
    $ServerPortForClient;
}
sub server_addr (@) { $ServerAddr = shift if @_; $ServerAddr }
sub server_name (@) { $ServerName = shift if @_; $ServerName }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($) { unshift @CleanupHandlers, shift }
sub add_test_cleanup_handler ($) { unshift @TestCleanupHandlers, shift }

sub env_to_nginx (@) {
    die "env_to_nginx: no arguments specified\n" if !@_;
    for my $v (@_) {
        die "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub bail_out (@) {
    stop_nginx();
    Test::More::BAIL_OUT(join '', @_);
}

sub is_str (@) {
    my ($got, $expected, $desc) = @_;

    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }

    return $NoLongString
           ? Test::More::is($got, $expected, $desc)
           : Test::LongString::is_string($got, $expected, $desc);
}

# a fatal error of the test file itself (bad block, nginx cannot start):
# stop here with a clear message; prove reports the file as failed
sub fatal (@) {
    my $msg = join '', @_;
    $msg .= "\n" if $msg !~ /\n\z/;
    stop_nginx();
    Test::More::diag($msg);
    $! = 0;     # else die exits with a stray errno
    die $msg;
}


# ---------------------------------------------------------------- helpers

sub parse_time ($) {
    my $tm = shift;
    return undef if !defined $tm;
    $tm =~ s/^\s+|\s+$//g;
    if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
        $tm = $tm / 1000;
    } else {
        $tm =~ s/([^_a-zA-Z])s$/$1/;
    }
    return $tm;
}

sub expand_env_in_text ($$) {
    my ($text, $name) = @_;
    return undef if !defined $text;

    $text =~ s/\$(TEST_NGINX_[_A-Z0-9]+)/
        defined $ENV{$1} ? $ENV{$1}
                         : fatal("$name - No environment $1 defined.")
    /eg;

    return $text;
}

sub fmt_str ($) {
    my $str = shift;
    chomp $str;
    $str =~ s/"/\\"/g;
    $str =~ s/\r/\\r/g;
    $str =~ s/\n/\\n/g;
    return $str;
}

sub slurp ($) {
    my $f = shift;
    open my $in, '<', $f or return '';
    local $/;
    my $s = <$in>;
    close $in;
    return defined $s ? $s : '';
}

sub get_nginx_version () {
    my $out = `$NginxBinary -V 2>&1`;
    if (defined $out && $out =~ m{nginx version: \S*?/(\d+)\.(\d+)\.(\d+)})
    {
        return sprintf "%d.%03d%03d", $1, $2, $3;
    }
    return undef;
}

sub parse_headers ($) {
    my $s = shift;
    my %headers;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            $headers{$line} = undef;
        } else {
            my ($key, $val) = split /\s*:\s*/, $line, 2;
            $headers{$key} = defined $val ? $val : '';
        }
    }
    return \%headers;
}

# the value of a section for request $req_idx when a block sends several
sub get_indexed_value ($$$$) {
    my ($name, $value, $req_idx, $need_array) = @_;

    if ($need_array) {
        if (ref $value && ref $value eq 'ARRAY') {
            return $value->[$req_idx];
        }
        fatal("$name - You asked for many requests, the expected results ",
              "should be arrays as well.");
    }

    if (ref $value && ref $value eq 'ARRAY') {
        return $value->[0];
    }

    return $value;
}


# ---------------------------------------------------------------- servroot

sub setup_server_root () {
    if (-d $ServRoot) {
        # only remove what we create, in case TEST_NGINX_SERVROOT is misused
        remove_tree($ConfDir, $HtmlDir, $LogDir, glob("$ServRoot/*_temp"),
                    glob("$ServRoot/*_cache"));
    }

    for my $d ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $d;
        make_path($d) or fatal("Failed to mkdir $d: $!");
    }

    open my $out, '>', "$HtmlDir/index.html"
        or fatal("Cannot write $HtmlDir/index.html: $!");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

sub write_user_files ($) {
    my $block = shift;
    my $name = $block->name;
    my $files = $block->user_files;

    return if !defined $files || $files eq '';

    if (!ref $files) {
        my @list;
        my ($fname, $body, $date);
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
                push @list, [$fname, $body, $date] if defined $fname;
                ($fname, $date, $body) = ($1, $2, undef);
            } elsif (defined $fname) {
                $body .= $line;
            } else {
                fatal("$name - user_files: data before the first '>>> name'");
            }
        }
        push @list, [$fname, $body, $date] if defined $fname;
        $files = \@list;

    } elsif (ref $files ne 'ARRAY') {
        fatal("$name - user_files: wrong value type ", ref $files);
    }

    for my $file (@$files) {
        my ($fname, $body, $date) = @$file;
        $body = '' if !defined $body;

        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/}) {
            make_path($1) if !-d $1;
        }

        $body = expand_env_in_text($body, $name);

        open my $out, '>', $path
            or fatal("$name - Cannot open $path for writing: $!");
        binmode $out;
        print $out $body;
        close $out;

        if ($date) {
            system('touch', '-t', $date, $path) == 0
                or fatal("$name - touch -t '$date' $path failed");
        }
    }
}

sub write_config_file ($) {
    my $block = shift;
    my $name = $block->name;

    my $config = expand_env_in_text($block->config // '', $name);
    my $http_config = expand_env_in_text($block->http_config // '', $name);
    my $main_config = expand_env_in_text($block->main_config // '', $name);
    my $post_main_config =
        expand_env_in_text($block->post_main_config // '', $name);
    my $log_level = $block->log_level;
    $log_level = $LogLevel if !defined $log_level || $log_level eq '';
    $log_level =~ s/^\s+|\s+$//g;

    my $modules = '';
    if (defined $LoadModules) {
        $modules = join '', map { "load_module $_;\n" }
                            grep { length } split /\s+/, $LoadModules;
    }

    my $env = join '', map { my $v = $_; $v = "'$v'" if $v =~ /\s/;
                             "env $v;\n" } @EnvToNginx;

    my $temp = '';
    for my $t (qw(client_body proxy fastcgi uwsgi scgi)) {
        next if $http_config =~ /\b${t}_temp_path\b/;
        $temp .= "    ${t}_temp_path $ServRoot/${t}_temp;\n";
    }

    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    my $user = $> == 0 ? "user root;\n" : '';

    open my $out, '>', $ConfFile or fatal("Cannot write $ConfFile: $!");
    print $out <<"_EOC_";
$modules
worker_processes  $Workers;
daemon on;
master_process $MasterProcessEnabled;
error_log $ErrLogFile $log_level;
pid       $PidFile;
$user$env
$main_config

http {
    access_log $AccLogFile;
$temp
    default_type text/plain;
    keepalive_timeout  68000ms;

$http_config

    server {
        listen          $ServerPort;
        server_name     '$ServerName';
        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main_config

events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
}
_EOC_
    close $out;
}


# ---------------------------------------------------------------- nginx

# the daemonized nginx is not our child: once it exits it stays a zombie
# until init reaps it, which can take a while in containers
sub is_running ($) {
    my $pid = shift;
    return 0 if !$pid || !kill(0, $pid);

    if (open my $in, '<', "/proc/$pid/stat") {
        my $stat = <$in> // '';
        close $in;
        return 0 if $stat =~ /^\d+ \(.*\) [ZX] /s;
    }

    return 1;
}

sub read_pid () {
    my $s = slurp($PidFile);
    return $s =~ /(\d+)/ ? $1 : undef;
}

# runs "nginx -p servroot -c conf/nginx.conf" in the foreground of the
# command (nginx daemonizes itself when the config is good); returns the
# wait status; stderr goes to $StderrFile
sub run_nginx_cmd () {
    my $pid = fork();
    fatal("fork() failed: $!") if !defined $pid;

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $StderrFile;
        open STDERR, '>>', $StderrFile;
        exec $NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile
            or POSIX::_exit(127);
    }

    waitpid($pid, 0);
    return $?;
}

sub start_nginx ($) {
    my $name = shift;

    my $status;
    my $deadline = time() + 5;
    while (1) {
        unlink $StderrFile;
        $status = run_nginx_cmd();
        last if $status == 0;

        my $err = slurp($StderrFile);
        if ($err =~ /Address already in use/ && time() < $deadline) {
            sleep 0.1;
            next;
        }

        fatal("$name - Cannot start nginx using \"$NginxBinary -p $ServRoot/ ",
              "-c $ConfFile\" (status $status):\n", $err,
              tail_file($ErrLogFile, 20));
    }

    $NginxRunning = 1;

    # the pid file is written by the daemonized process just after the
    # parent exits; the listening socket is already open by then
    my $t = time() + $Timeout;
    while (!read_pid() && time() < $t) {
        sleep 0.005;
    }

    if (!read_pid()) {
        fatal("$name - nginx started but wrote no pid file $PidFile");
    }
}

sub stop_nginx () {
    return if !$NginxRunning;
    undef $NginxRunning;

    my $pid = read_pid();
    return if !$pid || !is_running($pid);

    kill SIGQUIT, $pid;
    my $t = time() + $Timeout;
    while (is_running($pid) && time() < $t) {
        sleep 0.01;
    }

    if (is_running($pid)) {
        warn "WARNING: nginx $pid did not exit on QUIT; sending KILL\n";
        kill SIGKILL, $pid;
        sleep 0.05;
    }

    # a master's workers may still be running for a moment
    $t = time() + 1;
    while (-f $PidFile && is_running($pid) && time() < $t) {
        sleep 0.01;
    }
}

sub tail_file ($$) {
    my ($file, $n) = @_;
    my @lines = split /^/, slurp($file);
    return '' if !@lines;
    my $from = @lines > $n ? @lines - $n : 0;
    return "--- last lines of $file:\n" . join '', @lines[$from .. $#lines];
}


# ---------------------------------------------------------------- logs

sub new_log_lines ($$) {
    my ($file, $rpos) = @_;

    open my $in, '<', $file or return [];
    seek $in, $$rpos, 0 if $$rpos;
    my @lines = <$in>;
    $$rpos = tell $in;
    close $in;
    return \@lines;
}

# error log lines written since the last call in this block; the first call
# also sees nginx's startup stderr (Debian's nginx logs to stderr until it
# has read error_log, where a stock build logs to logs/error.log)
sub error_log_data () {
    sleep $TestNginxSleep * 3;
    my $lines = new_log_lines($ErrLogFile, \$ErrLogPos);
    if ($PendingStartupLines) {
        unshift @$lines, @$PendingStartupLines;
        undef $PendingStartupLines;
    }
    return $lines;
}

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    return new_log_lines($AccLogFile, \$AccLogPos);
}

sub to_patterns ($) {
    my $pats = shift;

    if (!ref $pats) {
        chomp $pats;
        return [grep { length } split /\n+/, $pats];
    }

    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats] if ref $pats eq 'ARRAY';
    fatal("bad pattern value: ", ref $pats);
}

sub line_matches ($$) {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ /$pat/ : index($line, $pat) >= 0;
}

# one test per pattern: it must match some line
sub check_log_has ($$$$) {
    my ($name, $pats, $lines, $what) = @_;
    my $suffix = $what =~ s/(\s+\(req \d+\))$// ? $1 : '';

    for my $pat (@{ to_patterns($pats) }) {
        if (grep { line_matches($_, $pat) } @$lines) {
            Test::More::pass("$name - pattern \"$pat\" matches a line in "
                             . "$what$suffix");
        } else {
            Test::More::fail("$name - pattern \"$pat\" should match a line "
                             . "in $what$suffix");
            Test::More::diag(log_excerpt($lines));
        }
    }
}

# one test per pattern: it must match no line
sub check_log_lacks ($$$$) {
    my ($name, $pats, $lines, $what) = @_;
    my $suffix = $what =~ s/(\s+\(req \d+\))$// ? $1 : '';

    for my $pat (@{ to_patterns($pats) }) {
        my $p = fmt_str($pat);
        my ($i) = grep { line_matches($lines->[$_], $pat) } 0 .. $#$lines;
        if (defined $i) {
            my $ln = fmt_str($lines->[$i]);
            my $to = min($i + 10, $#$lines);
            Test::More::fail("$name - pattern \"$p\" should not match any "
                             . "line in $what but matches line \"$ln\""
                             . "$suffix\n"
                             . join '', @$lines[$i + 1 .. $to]);
        } else {
            Test::More::pass("$name - pattern \"$p\" does not match a line "
                             . "in $what$suffix");
        }
    }
}

# what to show on a failure: the log's non-debug entries (the debug ones
# drown everything), the last few of them
sub log_excerpt ($;$) {
    my ($lines, $what) = @_;
    my @keep = grep { m{^\d{4}/\d\d/\d\d } && !/ \[debug\] / } @$lines;
    my $n = @keep;
    my $from = $n > 15 ? $n - 15 : 0;
    return ($what // 'error.log of this request') . ": $n non-debug lines"
           . " of " . scalar(@$lines) . ($n ? ", the last ones:\n" : "\n")
           . join('', @keep[$from .. $n - 1]);
}

sub check_error_log ($$) {
    my ($block, $repeated_req_idx) = @_;
    my $name = $block->name;
    my $lines = error_log_data();
    my $req = "(req $repeated_req_idx)";

    my $grep_pats = $block->grep_error_log;
    if (defined $grep_pats) {
        my $grep_pat = ref $grep_pats eq 'ARRAY'
                       ? $grep_pats->[$repeated_req_idx] : $grep_pats;
        if (!ref $grep_pat) {
            chomp $grep_pat;
        }

        my $expected = $block->grep_error_log_out;
        fatal("$name - No --- grep_error_log_out defined but "
              . "--- grep_error_log is defined") if !defined $expected;
        if (ref $expected eq 'ARRAY') {
            $expected = $expected->[$repeated_req_idx];
        }
        $expected = expand_env_in_text($expected, $name) if !ref $expected;

        my $matched = '';
        for my $line (@$lines) {
            if (ref $grep_pat ? $line =~ /$grep_pat/ : $line =~ /\Q$grep_pat\E/)
            {
                my $m = $&;
                $matched .= "$m\n" if $m !~ /\n/;
            }
        }

        if (ref $expected eq 'Regexp') {
            Test::More::like($matched, $expected,
                             "$name - grep_error_log_out $req");
        } else {
            is_str($matched, $expected, "$name - grep_error_log_out $req");
        }

    } elsif (defined $block->grep_error_log_out) {
        fatal("$name - No --- grep_error_log defined but "
              . "--- grep_error_log_out is defined");
    }

    if (defined $block->error_log) {
        check_log_has($name, $block->error_log, $lines, "error.log $req");
    }

    if (defined $block->no_error_log) {
        check_log_lacks($name, $block->no_error_log, $lines, "error.log $req");
    }

    # like the real one: warn (not fail) about unexpected serious lines
    my $pats = join "\n", map { ref $_ ? "$_" : $_ }
               grep { defined } map { ref $_ eq 'ARRAY' ? @$_ : $_ }
               $block->error_log, $block->no_error_log;
    for my $level (qw(alert crit emerg)) {
        next if $pats =~ /\[\Q$level\E/;
        next if $level eq 'emerg' && defined $block->must_die;
        for my $line (@$lines) {
            warn "WARNING: $name - ", fmt_str($line), "\n"
                if $line =~ /\[$level\]/;
        }
    }
}

sub check_access_log ($$) {
    my ($block, $repeated_req_idx) = @_;
    return if !defined $block->access_log && !defined $block->no_access_log;

    my $name = $block->name;
    my $lines = access_log_data();
    my $req = "(req $repeated_req_idx)";

    if (defined $block->access_log) {
        check_log_has($name, $block->access_log, $lines, "access.log $req");
    }

    if (defined $block->no_access_log) {
        check_log_lacks($name, $block->no_access_log, $lines,
                        "access.log $req");
    }
}


# ---------------------------------------------------------------- requests

sub parse_more_headers ($) {
    my $in = shift;
    my ($out, $is_chunked) = ('', 0);

    for my $header (split /\n+/, $in) {
        next if $header =~ /^\s*#/ || $header !~ /\S/;
        my ($key, $val) = split /:\s*/, $header, 2;
        $val = '' if !defined $val;
        $is_chunked = 1
            if lc($key) eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }

    return ($out, $is_chunked);
}

# "METHOD [URI [VERSION]]\nbody" -> the raw HTTP request, as the real one
sub build_request ($$$$$) {
    my ($name, $request, $more_headers, $is_chunked, $conn) = @_;

    while ($request =~ s/^\s*\#[^\n]+\s+|^\s+//gs) { }

    my ($first, $content) = split /\n/, $request, 2;
    if (!defined $first || $first !~ /\S/) {
        fatal("$name - Request line should be non-empty");
    }

    my ($meth, $url, $ver) = split ' ', $first;
    $url = '/' if !defined $url;
    $ver = 'HTTP/1.1' if !defined $ver;
    $content = '' if !defined $content;

    my $len_header = '';
    if (!$is_chunked && $content ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/)
    {
        $content =~ s/^\s+|\s+$//gs;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }

    my $headers = '';
    $headers .= "Host: $ServerName\r\n" if $more_headers !~ /(?:^|\n)Host:/i;
    $headers .= "Connection: $conn\r\n"
        if $more_headers !~ /(?:^|\n)Connection/i;

    return "$meth $url $ver\r\n$headers$more_headers$len_header\r\n$content";
}

# a list of requests, each a list of packets (strings)
sub get_req_from_block ($) {
    my $block = shift;
    my $name = $block->name;
    my @reqs;

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        push @reqs, ref $raw eq 'ARRAY' ? [@$raw] : [$raw];
        return \@reqs;
    }

    my $more_headers = $block->more_headers // '';
    my $header_for = sub {
        my $i = shift;
        my $h = $more_headers;
        if (ref $h eq 'ARRAY') {
            $h = $h->[$i];
            fatal("$name - --- more_headers lacks data for request $i")
                if !defined $h;
        }
        return parse_more_headers($h);
    };

    if (defined $block->pipelined_requests) {
        my $list = $block->pipelined_requests;
        fatal("$name - invalid entries in --- pipelined_requests "
              . "(use the eval filter to give an array)")
            if ref $list ne 'ARRAY';

        my $raw = '';
        for my $i (0 .. $#$list) {
            my ($hdr, $chunked) = $header_for->($i);
            $raw .= build_request($name,
                                  expand_env_in_text($list->[$i], $name),
                                  $hdr, $chunked,
                                  $i == $#$list ? 'close' : 'keep-alive');
        }
        push @reqs, [$raw];
        return \@reqs;
    }

    my $request = $block->request;
    fatal("$name - no --- request section") if !defined $request;

    my @list = ref $request eq 'ARRAY' ? @$request : ($request);
    fatal("$name - invalid --- request: must be a string or an array")
        if ref $request && ref $request ne 'ARRAY';

    for my $i (0 .. $#list) {
        my $one = $list[$i];
        fatal("$name - request $i: packet arrays are not supported by "
              . "this runner") if ref $one;
        my ($hdr, $chunked) = $header_for->($i);
        push @reqs, [build_request($name, $one, $hdr, $chunked, 'close')];
    }

    return \@reqs;
}

sub decode_chunked ($) {
    my $raw = shift;
    my $decoded = '';

    while (1) {
        return undef if $raw !~ /\G[ \t]*([A-Fa-f0-9]+)[^\r\n]*\r\n/gc;
        my $size = hex $1;

        if ($size == 0) {
            # trailers, then the empty line
            while ($raw =~ /\G([^\r\n]+)\r\n/gc) { }
            return undef if $raw !~ /\G\r\n/gc;
            return ($decoded, substr($raw, pos $raw));
        }

        my $at = pos $raw;
        return undef if length($raw) < $at + $size + 2;
        $decoded .= substr $raw, $at, $size;
        return (undef, 'bad') if substr($raw, $at + $size, 2) ne "\r\n";
        pos($raw) = $at + $size + 2;
    }
}

sub send_request ($$$) {
    my ($block, $packets, $timeout) = @_;
    my $name = $block->name;

    my $head_req = $packets->[0] =~ /^\s*HEAD\b/;
    my $middle_delay = parse_time($block->raw_request_middle_delay) // 0;

    my $sock;
    my $deadline = time() + $timeout;
    while (1) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $ServerAddr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        last if $sock;
        if (time() >= $deadline) {
            warn "WARNING: $name - failed to connect to $ServerAddr:",
                 "$ServerPortForClient: $!\n";
            return (undef, $head_req);
        }
        sleep 0.02;
    }

    local $SIG{PIPE} = 'IGNORE';
    binmode $sock;

    for my $i (0 .. $#$packets) {
        sleep $middle_delay if $i > 0 && $middle_delay;
        my $data = $packets->[$i];
        while (length $data) {
            my $n = syswrite $sock, $data;
            last if !defined $n;    # peer closed: read what it said
            substr($data, 0, $n) = '';
        }
    }

    my $buf = '';
    my $sel = IO::Select->new($sock);
    $deadline = time() + $timeout;

    while (1) {
        my $left = $deadline - time();
        if ($left <= 0 || !$sel->can_read($left)) {
            # as the real one: reading stops only at the server's close, a
            # timeout is a failed test (on top of the planned ones)
            Test::More->builder->no_ending(1);
            Test::More::fail("ERROR: client socket timed out - $name\n");
            last;
        }
        my $n = sysread $sock, $buf, 65536, length $buf;
        last if !$n;
    }

    close $sock;
    return ($buf, $head_req);
}

sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;
    my ($raw_headers, $left) = ('', undef);

    if ($raw =~ /(.*?\r\n)\r\n/s) {
        $raw_headers = $1;
    }

    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        return ($res, $raw_headers, undef);
    }

    return ($res, $raw_headers, undef)
        if $code && ($code == 304 || $code == 101);

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $content = $res->content // '';

    if (defined $enc && $enc eq 'chunked') {
        my ($decoded, $rest) = decode_chunked($content);
        if (!defined $decoded) {
            Test::More->builder->no_ending(1);
            Test::More::fail("$name - invalid or truncated chunked body "
                             . "received: \"" . fmt_str($content) . "\"");
            return;
        }
        $res->content($decoded);
        $left = $rest if length $rest;

    } elsif ($head_req) {
        $left = $content if length $content;
        $res->content('');

    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $content < $len) {
            warn "WARNING: $name - response body truncated: $len expected, ",
                 "but got ", length $content, "\n";
        } elsif (length $content > $len) {
            $left = substr $content, $len;
            $res->content(substr $content, 0, $len);
        }
    }

    return ($res, $raw_headers, $left);
}


# ---------------------------------------------------------------- checks

sub check_error_code ($$$$) {
    my ($block, $res, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';

    if (defined $block->error_code_like) {
        my $val = get_indexed_value($name, $block->error_code_like, $req_idx,
                                    $need_array);
        Test::More::like($code, qr/$val/sm, "$name - status code ok");

    } elsif (defined $block->error_code) {
        Test::More::is($code, get_indexed_value($name, $block->error_code,
                                                $req_idx, $need_array),
                       "$name - status code ok");

    } else {
        Test::More::is($code, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers ($$$$) {
    my ($block, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->raw_response_headers_like) {
        my $e = get_indexed_value($name, $block->raw_response_headers_like,
                                  $req_idx, $need_array);
        Test::More::like($raw_headers, qr/$e/s,
                         "$name - raw resp headers like");
    }

    if (defined $block->raw_response_headers_unlike) {
        my $e = get_indexed_value($name, $block->raw_response_headers_unlike,
                                  $req_idx, $need_array);
        Test::More::unlike($raw_headers, qr/$e/s,
                           "$name - raw resp headers unlike");
    }
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->response_headers) {
        my $headers = parse_headers(get_indexed_value($name,
                          $block->response_headers, $req_idx, $need_array));

        for my $key (sort keys %$headers) {
            my $val = $headers->{$key};

            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                    "$name - header $key not present in the raw headers");
                next;
            }

            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;

            my $actual = $res ? $res->header($key) : undef;
            $actual = '' if !defined $actual;
            Test::More::is($actual, $val, "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $headers = parse_headers(get_indexed_value($name,
                          $block->response_headers_like, $req_idx,
                          $need_array));

        for my $key (sort keys %$headers) {
            my $val = $headers->{$key} // '';
            my $actual = $res ? $res->header($key) : undef;
            $actual = '' if !defined $actual;
            Test::More::like($actual, qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
}

sub check_response_body ($$$$$) {
    my ($block, $res, $req_idx, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;

    if (defined $block->response_body) {
        my $expected = get_indexed_value($name, $block->response_body,
                                         $req_idx, $need_array);

        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
            $expected =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            $expected = expand_env_in_text($expected, $name);
        }

        my $desc = "(repeated req $repeated_req_idx, req $req_idx)";
        if (ref $expected) {
            Test::More::like($content, $expected,
                             "$name - response_body - like $desc");
        } else {
            is_str($content, $expected,
                   "$name - response_body - response is expected $desc");
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my ($type, $pats) = defined $block->response_body_like
                            ? ('like', $block->response_body_like)
                            : ('unlike', $block->response_body_unlike);

        my $pat = get_indexed_value($name, $pats, $req_idx, $need_array);
        if (!ref $pat) {
            $pat =~ s/\$ServerPort\b/$ServerPort/g;
            $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        }

        my $summary = $content // '';
        $summary =~ s/^\s+|\s+$//g;
        $summary = substr($summary, 0, 200) . '...' if length $summary > 200;

        my $desc = "$name - response_body_$type - response is expected "
                   . "($summary)";
        if ($type eq 'like') {
            Test::More::like($content, qr/$pat/s, $desc);
        } else {
            Test::More::unlike($content, qr/$pat/s, $desc);
        }
    }
}


# ---------------------------------------------------------------- running

sub run_requests ($$) {
    my ($block, $repeated_req_idx) = @_;
    my $name = $block->name;

    my $reqs = get_req_from_block($block);
    my $timeout = parse_time($block->timeout) // $Timeout;

    my $pipelined = defined $block->pipelined_requests;
    my $n = $pipelined ? scalar @{ $block->pipelined_requests } : 0;
    my $need_array = $pipelined ? 1 : @$reqs > 1;

    my $req_idx = 0;
    for my $i (0 .. $#$reqs) {
        my ($raw, $head_req) = send_request($block, $reqs->[$i], $timeout);
        $raw = '' if !defined $raw;

        while (1) {
            my ($res, $raw_headers, $left);
            if (!defined $block->ignore_response) {
                ($res, $raw_headers, $left) =
                    parse_response($name, $raw, $head_req);
                $raw_headers //= '';

                check_error_code($block, $res, $req_idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $req_idx,
                                           $need_array);
                check_response_headers($block, $res, $raw_headers, $req_idx,
                                       $need_array);
                check_response_body($block, $res, $req_idx,
                                    $repeated_req_idx, $need_array);

                if (!$n && defined $left && length $left) {
                    warn "WARNING: $name - unexpected extra bytes after the ",
                         "response: \"", fmt_str($left), "\"\n";
                }
            }

            my $more = $n ? --$n : 0;

            if ($more || $i < $#$reqs) {
                sleep parse_time($block->wait) if $block->wait;
                check_error_log($block, $repeated_req_idx);
                check_access_log($block, $repeated_req_idx)
                    if !defined $block->ignore_response;
            }

            $req_idx++;
            last if !$more;
            $raw = $left // '';
        }
    }

    sleep parse_time($block->wait) if $block->wait;
    check_error_log($block, $repeated_req_idx);
    check_access_log($block, $repeated_req_idx)
        if !defined $block->ignore_response;
}

sub check_sections ($) {
    my $block = shift;
    my $order = $block->{_section_order};
    my %names = map { $_ => 1 }
                ref $order eq 'ARRAY' && ref $order->[0] eq 'ARRAY'
                ? @{ $order->[0] } : ();

    # sections added by a block preprocessor are not in _section_order
    my %internal = map { $_ => 1 }
                   qw(name description seq_num is_filtered blocks_object
                      original_values);
    $names{$_} = 1 for grep { !/^_/ && !$internal{$_} } keys %$block;
    my @names = sort keys %names;

    my @bad = grep { !$Supported{$_} } @names;
    if (@bad) {
        fatal($block->name, " - section(s) not implemented by this ",
              "Test::Nginx::Socket stand-in (t/lib): ",
              join(', ', map { "--- $_" } @bad),
              ". Install the real Test::Nginx or extend t/lib.");
    }

    if (!defined $block->must_die && !defined $block->request
        && !defined $block->raw_request
        && !defined $block->pipelined_requests)
    {
        fatal($block->name, " - no --- request (or raw_request, "
              . "pipelined_requests) section");
    }
}

sub skip_info ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $spec = $block->skip_nginx)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                       (?:\s*:\s*(.*?))?\s*$}x)
        {
            my ($n, $op, $reason) = ($1, $2, $6);
            my $ver = sprintf "%d.%03d%03d", $3, $4, $5;
            $reason ||= "nginx version $op $3.$4.$5";
            my $skip = (!defined $NginxVersion && $op =~ /^</)
                       || (defined $NginxVersion
                           && eval "$NginxVersion $op $ver");
            return ($n, $reason) if $skip;
            return;
        }
        fatal("$name - Invalid --- skip_nginx spec: $spec");
    }

    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*(.*)}s) {
            my ($n, $code) = ($1, $2);
            my $skip = eval $code;
            fatal("$name - skip_eval - failed to eval \"$code\": $@") if $@;
            return ($n, 'skip_eval') if $skip;
            return;
        }
        fatal("$name - Invalid --- skip_eval spec: $spec");
    }

    return;
}

sub run_must_die ($) {
    my $block = shift;
    my $name = $block->name;
    my $must_die = $block->must_die;
    $must_die =~ s/^\s+|\s+$//g;

    for my $i (0 .. $RepeatEach - 1) {
        setup_server_root();
        write_user_files($block);
        write_config_file($block);

        unlink $StderrFile;
        my $status = run_nginx_cmd();
        my $exit_code = $status >> 8;

        if ($status & 127) {
            Test::More::fail("$name - nginx died with signal "
                             . ($status & 127));
        } elsif ($must_die =~ /^\d+$/) {
            Test::More::is($exit_code, $must_die,
                           "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }

        $ErrLogPos = 0;
        $PendingStartupLines = [split /^/, slurp($StderrFile)];
        check_error_log($block, $i);

        if ($status == 0) {
            warn "WARNING: $name - nginx must die but it does not; ",
                 "killing it (req $i)\n";
            $NginxRunning = 1;
            my $t = time() + $Timeout;
            sleep 0.01 while !read_pid() && time() < $t;
            stop_nginx();
        }
    }
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;

    return if defined $block->SKIP;

    stop_nginx();

    my ($tests_to_skip, $skip_reason) = skip_info($block);
    if (defined $tests_to_skip) {
        for (1 .. $RepeatEach) {
            SKIP: { Test::More::skip("$name - $skip_reason", $tests_to_skip) }
        }
        return;
    }

    if (defined $block->must_die) {
        run_must_die($block);
        return;
    }

    setup_server_root();
    write_user_files($block);
    write_config_file($block);
    start_nginx($name);

    $ErrLogPos = 0;
    $AccLogPos = 0;
    my @startup = split /^/, slurp($StderrFile);
    $PendingStartupLines = @startup ? \@startup : undef;

    my $tb = Test::More->builder;
    my $failed_before = grep { !$_ } $tb->summary;

    for my $i (0 .. $RepeatEach - 1) {
        if (defined $block->init) {
            eval $block->init;
            fatal("$name - init failed: $@") if $@;
        }

        run_requests($block, $i);
    }

    if (defined $block->shutdown_error_log) {
        my $pos = -s $ErrLogFile || 0;
        stop_nginx();
        my $lines = new_log_lines($ErrLogFile, \$pos);
        check_log_has($name, $block->shutdown_error_log, $lines,
                      "error.log");
    }

    my $failed_now = grep { !$_ } $tb->summary;
    if ($failed_now > $failed_before) {
        Test::More::diag(log_excerpt([split /^/, slurp($ErrLogFile)],
                                     "$ErrLogFile (whole block)"));
    }

    for my $h (@TestCleanupHandlers) {
        $h->();
    }
}

sub run_tests () {
    $NginxVersion = get_nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        if !defined $ENV{TEST_NGINX_SERVER_PORT} || $Randomize;

    # an interrupted run must not leave nginx behind
    for my $sig (qw(INT TERM HUP PIPE)) {
        next if defined $SIG{$sig} && $SIG{$sig} ne 'DEFAULT';
        $SIG{$sig} = sub {
            warn "Test::Nginx: got SIG$sig, stopping nginx\n"
                if $sig ne 'PIPE';
            exit 1;     # END stops nginx and removes a random servroot
        };
    }

    my @blocks = Test::Base::blocks();

    for my $block (@blocks) {
        for my $h (@BlockPreprocessors) {
            $h->($block);
        }
        check_sections($block);
    }

    @blocks = shuffle @blocks if !$NoShuffle;

    for my $block (@blocks) {
        $block->set_value('name', "$0 " . $block->name);
        run_test($block);
    }

    for my $h (@CleanupHandlers) {
        $h->();
    }
}

END {
    my $status = $?;

    # TEST_NGINX_NO_CLEAN: leave the last nginx running and servroot in place
    stop_nginx() if !$ENV{TEST_NGINX_NO_CLEAN};
    if (!$ENV{TEST_NGINX_NO_CLEAN} && $Randomize && defined $ServRoot
        && $ServRoot =~ m{/t/servroot_\d+$} && -d $ServRoot)
    {
        remove_tree($ServRoot);
    }
    $? = $status;
}

1;
