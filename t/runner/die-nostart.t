# Runner self-test input: must make the runner stop with a clear message
# (see t/000-runner.t).  Skipped unless run from t/000-runner.t.

use Test::Nginx::Socket;

plan $ENV{TEST_NGINX_RUNNER_SELFTEST}
     ? ('no_plan')
     : (skip_all => 'input of t/000-runner.t (expected to fail)');

run_tests();

__DATA__

=== TEST 1: a config nginx refuses, without must_die
--- config
    location = /t { no_such_directive_here; }
--- request
GET /t
