/**
 * The sandbox end of a session's tunnel: a small Perl program (perl-base is in every Debian image, so
 * the shell image needs nothing new) run as the learner by one `docker exec`. It speaks the framed
 * protocol of frames.ts on its stdin and stdout, and so needs nothing from the engine but the exec
 * stream lab-server already has: no shared folder, no route from lab-server to a container address.
 *
 * - With a socket path, it listens there (mode 0600, the learner's own) and announces each client as a
 *   new channel: that is how the learner's `docker` reaches the session's gate.
 * - On lab-server's CONNECT it opens a TCP connection from inside the sandbox (on the session's own
 *   networks only) to an address lab-server chose: that is how port preview reaches the learner's app.
 *
 * Every channel has a window in each direction (WINDOW_BYTES unacknowledged), so a client that stops
 * reading holds up only its own channel, and memory on both ends stays bounded per channel. The program
 * never interprets what it carries; the gate on the other end decides what a request may do.
 */
import { FRAME, WINDOW_BYTES, CHUNK_BYTES, MAX_CHANNELS } from './frames.ts';

/** What `ps` in the sandbox shows for the relay (lesson 6 names it). */
export const RELAY_NAME = 'bulkhead-gate';

/** The relay's exit status when it cannot listen on its socket path. */
export const RELAY_LISTEN_FAILED = 3;

/** bash-free argv: `perl -e SOURCE [socket-path]`. */
export function relayCommand(socketPath?: string): string[] {
  return ['perl', '-e', RELAY_SOURCE, ...(socketPath ? [socketPath] : [])];
}

const RELAY_SOURCE = String.raw`
use strict; use warnings;
use IO::Socket::UNIX; use IO::Select;
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_ERROR SHUT_WR inet_aton sockaddr_in);
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Errno qw(EAGAIN EWOULDBLOCK EINPROGRESS EINTR);
$0 = '${RELAY_NAME}';
$SIG{PIPE} = 'IGNORE';
my ($READY, $OPEN, $DATA, $EOF, $CLOSE, $CONNECT, $CONNECTED, $WIN) = (${FRAME.READY}, ${FRAME.OPEN}, ${FRAME.DATA}, ${FRAME.EOF}, ${FRAME.CLOSE}, ${FRAME.CONNECT}, ${FRAME.CONNECTED}, ${FRAME.WINDOW});
my ($WINDOW, $CHUNK, $MAXCH, $OUTMAX) = (${WINDOW_BYTES}, ${CHUNK_BYTES}, ${MAX_CHANNELS}, 4 * ${WINDOW_BYTES});
sub nb { my $f = shift; my $fl = fcntl($f, F_GETFL, 0); fcntl($f, F_SETFL, $fl | O_NONBLOCK); }
sub again { return $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR; }
my $out = ''; my $in = ''; my %ch; my %byfd; my $next = 1;
sub frame { my ($t, $id, $p) = @_; $p = '' unless defined $p; $out .= pack('CNN', $t, $id, length $p) . $p; }
sub drop { my $c = shift; delete $byfd{fileno $c->{fh}}; delete $ch{$c->{id}}; close $c->{fh}; }
sub fail { my ($c, $why) = @_; frame($CLOSE, $c->{id}, $why); drop($c); }
sub done { my $c = shift; if ($c->{eofin} && $c->{shut}) { frame($CLOSE, $c->{id}); drop($c); } }
sub add { my ($id, $fh, %o) = @_; nb($fh); my $c = { id => $id, fh => $fh, out => '', unacked => 0, %o }; $ch{$id} = $c; $byfd{fileno $fh} = $c; return $c; }
my $path = shift @ARGV; my $l;
if (defined $path) {
  umask 077; unlink $path;
  $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 64);
  unless ($l) { print STDERR "cannot listen on $path: $!\n"; exit ${RELAY_LISTEN_FAILED}; }
  chmod 0600, $path;
  nb($l);
}
binmode STDIN; binmode STDOUT; nb(\*STDIN); nb(\*STDOUT);
frame($READY, 0, defined $path ? $path : '');
sub handle {
  my ($t, $id, $p) = @_;
  my $c = $ch{$id};
  if ($t == $DATA) { $c->{out} .= $p if $c; }
  elsif ($t == $EOF) { if ($c) { $c->{shutwant} = 1; } }
  elsif ($t == $CLOSE) { drop($c) if $c; }
  elsif ($t == $WIN) { $c->{unacked} -= unpack('N', $p) if $c; }
  elsif ($t == $CONNECT) {
    return if $c;
    my ($host, $port) = split / /, $p;
    my $addr = defined $host ? inet_aton($host) : undef;
    if (!$addr || !$port || $port !~ /^\d+$/) { frame($CLOSE, $id, "not an address: $p"); return; }
    my $s; unless (socket($s, PF_INET, SOCK_STREAM, 0)) { frame($CLOSE, $id, "socket: $!"); return; }
    nb($s);
    if (!connect($s, sockaddr_in($port, $addr)) && $! != EINPROGRESS) { frame($CLOSE, $id, "$!"); close $s; return; }
    add($id, $s, connecting => 1);
  }
}
while (1) {
  my $r = IO::Select->new(\*STDIN); my $w = IO::Select->new;
  $r->add($l) if $l && keys(%ch) < $MAXCH && length($out) < $OUTMAX;
  $w->add(\*STDOUT) if length $out;
  for my $c (values %ch) {
    if ($c->{connecting}) { $w->add($c->{fh}); next; }
    $r->add($c->{fh}) if !$c->{eofin} && $c->{unacked} < $WINDOW && length($out) < $OUTMAX;
    $w->add($c->{fh}) if length $c->{out} || ($c->{shutwant} && !$c->{shut});
  }
  my ($rr, $wr) = IO::Select->select($r, $w, undef);
  next unless $rr;
  for my $f (@$wr) {
    if ($f eq \*STDOUT) {
      my $n = syswrite(STDOUT, $out);
      if (defined $n) { substr($out, 0, $n) = ''; } elsif (!again()) { exit 0; }
      next;
    }
    my $fd = fileno $f; next unless defined $fd;
    my $c = $byfd{$fd} or next;
    if ($c->{connecting}) {
      my $err = unpack('i', getsockopt($f, SOL_SOCKET, SO_ERROR));
      if ($err) { $! = $err; fail($c, "$!"); next; }
      $c->{connecting} = 0; frame($CONNECTED, $c->{id}); next;
    }
    if (length $c->{out}) {
      my $n = syswrite($f, $c->{out});
      if (defined $n) { substr($c->{out}, 0, $n) = ''; frame($WIN, $c->{id}, pack('N', $n)); }
      elsif (!again()) { fail($c, "$!"); next; }
    }
    if ($c->{shutwant} && !$c->{shut} && !length $c->{out}) { shutdown($f, SHUT_WR); $c->{shut} = 1; done($c); }
  }
  for my $f (@$rr) {
    if ($f eq \*STDIN) {
      my $n = sysread(STDIN, my $buf, 4 * $WINDOW);
      if (defined $n && $n == 0) { exit 0; }
      if (!defined $n) { next if again(); exit 0; }
      $in .= $buf;
      while (length($in) >= 9) {
        my ($t, $id, $len) = unpack('CNN', $in);
        last if length($in) < 9 + $len;
        my $p = substr($in, 9, $len); substr($in, 0, 9 + $len) = '';
        handle($t, $id, $p);
      }
      next;
    }
    if ($l && $f eq $l) {
      my $s = $l->accept or next;
      my $id = $next; $next += 2;
      add($id, $s); frame($OPEN, $id); next;
    }
    my $fd = fileno $f; next unless defined $fd;
    my $c = $byfd{$fd} or next;
    my $n = sysread($f, my $buf, $CHUNK);
    if (!defined $n) { fail($c, "$!") unless again(); next; }
    if ($n == 0) { $c->{eofin} = 1; frame($EOF, $c->{id}); done($c); next; }
    $c->{unacked} += $n; frame($DATA, $c->{id}, $buf);
  }
}
`;
