// Package redistest gives tests a real Redis and a key prefix of their own.
//
// Start connects to $REDIS_URL when it is set, and otherwise runs a private
// redis-server (found on PATH) on a free loopback port for the duration of
// the test. Either way the test gets a fresh random key prefix; on a shared
// server the keys under that prefix are deleted at cleanup, and nothing else
// is touched (never FLUSHALL/FLUSHDB).
//
// StartCluster gives a test a shared three-master Redis Cluster;
// StartReplicatedCluster one of its own with a replica per master, for
// failover tests (KillMaster, Synced); StartProcess a server with AOF that
// the test can kill, pause and restart.
//
// Trust: test-only. A private server listens on 127.0.0.1 without a
// password and without persistence.
package redistest
