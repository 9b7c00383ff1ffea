# For tests that need the regional FaaS tier: starts t/backend/faas-backend.py
# (OpenWhisk, Lambda and HTTP function endpoints on one port) and stops it.
#
#   my $be = FaasBackend->start(ow_auth => 'uuid:key', bearer => 'tok',
#                               ow_blocking_wait => 500,        # ms

#                               aws_access_key => 'AKID',
#                               aws_secret_key => 'secret',
#                               aws_session_token => 'token',   # optional
#                               aws_region => 'us-east-1');
#   $be->port; $be->url;            # http://127.0.0.1:PORT
#   $be->stats;                     # { "lambda:echo" => 2, ... }
#   $be->reset;
#   $be->stop;                      # also when $be goes away
#
# Its log (one line a request, and botocore's canonical request when a
# signature does not match) goes to t/servroot_backend_PID.log.

package FaasBackend;

use strict;
use warnings;

use Cwd qw(abs_path);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;

our $Top = abs_path(__FILE__) =~ s{/t/inc/[^/]+$}{}r;
our $Python = '/usr/bin/python3';
our $Script = "$Top/t/backend/faas-backend.py";

sub start {
    my ($class, %opts) = @_;

    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;

    my @args = ('--listen', "127.0.0.1:$port");
    for my $k (qw(ow_auth ow_blocking_wait aws_access_key aws_secret_key
                  aws_session_token aws_region bearer))
    {
        push @args, '--' . ($k =~ tr/_/-/r), $opts{$k} if defined $opts{$k};
    }

    my $log = $opts{log} || "$Top/t/servroot_backend_$$.log";
    my $pid = open(my $out, '-|') // die "fork: $!";

    if ($pid == 0) {
        open STDERR, '>>', $log or die "$log: $!";
        exec $Python, $Script, @args or die "exec $Python: $!";
    }

    # "ready" once it listens; EOF if it died (the reason is in the log)
    my $line = <$out>;
    die "faas-backend did not start, see $log\n"
        unless defined $line && $line eq "ready\n";

    return bless { pid => $pid, owner => $$, port => $port, out => $out,
                   log => $log,
                   http => HTTP::Tiny->new(timeout => 10) }, $class;
}

sub port { $_[0]{port} }
sub url { "http://127.0.0.1:$_[0]{port}" }
sub log_file { $_[0]{log} }

sub stats {
    my ($self) = @_;
    my $r = $self->{http}->get($self->url . '/__stats');
    die "GET /__stats: $r->{status}\n" unless $r->{success};
    return decode_json($r->{content});
}

sub reset {
    my ($self) = @_;
    my $r = $self->{http}->post($self->url . '/__reset');
    die "POST /__reset: $r->{status}\n" unless $r->{success};
}

sub stop {
    my ($self) = @_;

    # a forked test process that ends leaves the backend to its parent
    return unless $self->{pid} && $self->{owner} == $$;
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    close $self->{out};
    delete $self->{pid};
}

sub DESTROY { $_[0]->stop }

1;
