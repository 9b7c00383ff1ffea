# Load for the fault tests: client processes that send GET requests in a
# loop, each on a new connection (so no request can be lost to a
# keep-alive connection the server closes at the moment the client
# reuses it, which a real client retries), until stopped.
#
#   my $load = FaasLoad->start(clients => 4, url => sub { "$url/x" });
#   ...                                 # reloads, kills, file swaps
#   my $r = $load->stop;                # { total, ok, bodies, failures }
#
# A response counts as ok when its status is 200 and check->(body) is
# true (default: any body); failures lists the others, "STATUS BODY".

package FaasLoad;

use strict;
use warnings;

use File::Temp qw(tempfile);
use HTTP::Tiny;
use POSIX qw(_exit);

sub start {
    my ($class, %args) = @_;
    my $self = bless { clients => 4, check => sub { 1 }, %args,
                       pids => [], files => [] }, $class;

    # a file, not a signal, stops the clients: a signal could interrupt a
    # request and count it as failed
    (undef, $self->{stop}) = tempfile(UNLINK => 1);
    unlink $self->{stop};

    for my $i (1 .. $self->{clients}) {
        my ($fh, $file) = tempfile(UNLINK => 1);
        push @{ $self->{files} }, $file;

        my $pid = fork() // die "fork: $!";
        if ($pid == 0) {
            $self->client($fh, $i);
            _exit(0);
        }
        push @{ $self->{pids} }, $pid;
    }

    return $self;
}

# one line per response: "ok BODY" or "fail STATUS BODY", newlines escaped
sub client {
    my ($self, $fh, $i) = @_;
    my $http = HTTP::Tiny->new(keep_alive => 0, timeout => 10);
    my $n = 0;

    until (-e $self->{stop}) {
        my $res = $http->get($self->{url}->($i, $n++));
        my $body = $res->{content} // '';
        my $ok = $res->{status} == 200 && $self->{check}->($body);
        $body =~ s/\n/\\n/g;
        print $fh $ok ? "ok $body\n" : "fail $res->{status} $body\n";
    }
    close $fh;
}

sub stop {
    my ($self) = @_;
    open my $stop, '>', $self->{stop} or die $!;
    close $stop;
    waitpid $_, 0 for @{ $self->{pids} };
    unlink $self->{stop};

    my %r = (total => 0, ok => 0, bodies => [], failures => []);
    for my $file (@{ $self->{files} }) {
        open my $in, '<', $file or die $!;
        my @client;
        while (<$in>) {
            chomp;
            $r{total}++;
            if (s/^ok //) {
                $r{ok}++;
                push @client, $_;
            } else {
                push @{ $r{failures} }, s/^fail //r;
            }
        }
        push @{ $r{bodies} }, \@client;
    }
    return \%r;
}

1;
