# For the t/ files that drive nginx themselves (whole example configs,
# reloads, restarts): start an nginx.conf under a prefix of its own, with
# its listen ports moved to free ones, and stop it.

package FaasNginx;

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;

our $Top = abs_path(__FILE__) =~ s{/t/inc/[^/]+$}{}r;
our $Nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
our ($Module) = grep { /ngx_http_faas_module\.so$/ }
                split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
$Module ||= "$Top/build/nginx/objs/ngx_http_faas_module.so";

# the masters this test started: a test that dies midway (a failed check
# with die, a timeout) does not reach its stop(), and its nginx would stay
our @Started;

END {
    local $?;
    for my $pid (@Started) {
        next unless kill 0, $pid;
        kill 'QUIT', $pid;
        for (1 .. 50) {
            last unless kill 0, $pid;
            select(undef, undef, undef, 0.1);
        }
        kill 'KILL', $pid if kill 0, $pid;
    }
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
        or die "no free port: $!";
    return $s->sockport;
}

# new(conf => TEXT, name => 'x.conf', links => { 'functions' => PATH })
# the prefix gets modules/ngx_http_faas_module.so and the links
sub new {
    my ($class, %args) = @_;
    my $self = bless { %args }, $class;
    my $prefix = $self->{prefix} = "$Top/t/servroot_self_$$";

    remove_tree($prefix);
    make_path("$prefix/logs", "$prefix/modules", "$prefix/conf");
    symlink $Module, "$prefix/modules/ngx_http_faas_module.so" or die $!;

    for my $link (keys %{ $self->{links} || {} }) {
        symlink $self->{links}{$link}, "$prefix/$link" or die $!;
    }

    my %ports;
    my $conf = $self->{conf};
    $conf =~ s{listen\s+127\.0\.0\.1:(\d+)}{
        $ports{$1} //= free_port(); "listen 127.0.0.1:$ports{$1}"
    }ge;
    $conf =~ s{127\.0\.0\.1:(\d+)}{"127.0.0.1:" . ($ports{$1} // $1)}ge;

    # unix sockets (absolute paths: nginx does not resolve them against
    # the prefix) move into the prefix's logs/ too
    $conf =~ s{unix:/(?:[^\s;:]*/)?([^/\s;:]+)}{unix:$prefix/logs/$1}g;

    $self->{ports} = \%ports;
    $self->{conf_file} = "$prefix/conf/" . ($self->{name} || 'nginx.conf');
    $self->write_conf($conf);

    return $self;
}

sub write_conf {
    my ($self, $conf) = @_;
    open my $out, '>', $self->{conf_file} or die $!;
    print $out $conf;
    close $out;
}

# a file under the prefix (functions, credentials): write_file(PATH, TEXT)
sub write_file {
    my ($self, $path, $text) = @_;
    open my $out, '>', "$self->{prefix}/$path" or die "$path: $!";
    print $out $text;
    close $out;
}

sub port { $_[0]{ports}{$_[1]} }
sub url { "http://127.0.0.1:" . $_[0]->port($_[1]) }

# nginx with the prefix and conf; what it prints (signal notices, the
# errors tests provoke on purpose) goes to logs/stderr.log.  new()'s
# shell => 'ulimit -f 1024;' runs shell commands first (limits nginx and
# its workers inherit)
sub nginx {
    my ($self, @args) = @_;
    my @cmd = ($Nginx, '-p', $self->{prefix}, '-c', $self->{conf_file},
               @args);
    return system(($self->{shell} // '') . join(' ', map { quotemeta } @cmd)
                  . " 2>>$self->{prefix}/logs/stderr.log");
}

sub start {
    my ($self) = @_;
    my $rc = $self->nginx();
    return $rc if $rc;
    my ($port) = values %{ $self->{ports} };

    # the master's socket accepts before its workers are forked: wait for
    # them too, so that a test counting them right after start sees all
    my ($want) = (do { local (@ARGV, $/) = $self->{conf_file}; <> }
                  =~ /^\s*worker_processes\s+(\d+)\s*;/m);
    $want //= 1;

    for (1 .. 100) {
        if (IO::Socket::INET->new("127.0.0.1:$port")
            && $self->workers >= $want)
        {
            push @Started, $self->pid // ();
            return 0;
        }
        select(undef, undef, undef, 0.1);
    }
    push @Started, $self->pid // ();
    return 1;
}

sub pid {
    my ($self) = @_;
    open my $f, '<', "$self->{prefix}/logs/nginx.pid" or return;
    my $pid = <$f>;
    chomp $pid;
    return $pid;
}

# workers of the master: the processes whose parent it is
sub workers {
    my ($self) = @_;
    my $master = $self->pid or return ();
    return grep { ((split ' ', `ps -o ppid= -p $_`)[0] // 0) == $master }
           map { /^\s*(\d+)/ ? $1 : () } `pgrep -P $master`;
}

# HUP, then wait until the old workers are gone
sub reload {
    my ($self) = @_;
    my %old = map { $_ => 1 } $self->workers;
    $self->nginx('-s', 'reload') == 0 or return 1;
    for (1 .. 100) {
        my @w = $self->workers;
        return 0 if @w && !grep { $old{$_} } @w;
        select(undef, undef, undef, 0.1);
    }
    return 1;
}

sub stop {
    my ($self) = @_;
    my $pid = $self->pid;
    $self->nginx('-s', 'quit') == 0 or kill 'QUIT', $pid // ();

    # the master removes its pid file before it exits, and under ASan its
    # exit (the leak check) takes a while more: wait for both
    for (1 .. 100) {
        last unless -f "$self->{prefix}/logs/nginx.pid" || alive($pid);
        select(undef, undef, undef, 0.1);
    }
}

# whether the process pid runs: a daemonized nginx is not our child, and
# once it exits it may stay a zombie until init reaps it
sub alive {
    my ($pid) = @_;
    return 0 if !$pid || !kill(0, $pid);
    open my $in, '<', "/proc/$pid/stat" or return 0;
    my $line = <$in> // '';
    return $line !~ /^\d+ \(.*\) [ZX] /s;
}

# error.log lines at [error] or worse
sub errors {
    my ($self) = @_;
    open my $log, '<', "$self->{prefix}/logs/error.log" or return ();
    return grep { /\[(error|crit|alert|emerg)\]/ } <$log>;
}

sub cleanup {
    my ($self) = @_;
    remove_tree($self->{prefix}) unless $ENV{TEST_NGINX_NO_CLEAN};
}

1;
