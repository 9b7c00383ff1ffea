package Test::Nginx::Socket;

# Stand-in for the CPAN Test::Nginx::Socket (openresty/test-nginx), used by
# tools/prove-t only when the real module is not installed.  The same t/*.t
# files run unchanged under both.  The work is done in Test::Nginx::Util;
# this package only gives the Test::Base block grammar and the exports.
#
# Every sub here has a prototype: Spiffy's -Base source filter would add
# "my $self = shift;" to any sub without one.

use v5.10.1;
use Test::Base -Base;

our $VERSION = '0.0.1-ngx_faas';

use Test::Nginx::Util qw(
    run_tests run_test repeat_each no_shuffle master_on master_off
    master_process_enabled workers worker_connections log_level
    no_long_string no_root_location env_to_nginx add_block_preprocessor
    server_root html_dir server_port server_port_for_client server_addr
    server_name timeout config_preamble is_str bail_out
    add_cleanup_handler add_test_cleanup_handler
);

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test
    repeat_each config_preamble worker_connections
    master_process_enabled
    no_long_string workers master_on master_off
    log_level no_shuffle no_root_location
    server_name
    server_addr server_root html_dir server_port server_port_for_client
    timeout
    add_block_preprocessor bail_out add_test_cleanup_handler
    add_cleanup_handler
);

our $ServerPort = $Test::Nginx::Util::ServerPort;
our $ServerRoot = $Test::Nginx::Util::ServRoot;
our $ServRoot = $Test::Nginx::Util::ServRoot;
our $HtmlDir = $Test::Nginx::Util::HtmlDir;
our $NginxBinary = $Test::Nginx::Util::NginxBinary;

1;
