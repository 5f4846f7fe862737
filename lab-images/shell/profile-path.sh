# Debian's /etc/profile drops the sbin directories from PATH for non-root login shells, but the lessons
# run capsh and friends (installed there) as the learner; put them back.
case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;;
esac
export PATH
