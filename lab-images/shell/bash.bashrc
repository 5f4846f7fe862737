# /etc/bash.bashrc of the Bulkhead learner sandbox, read by every interactive bash (login shells via
# /etc/profile). $HOME is an empty tmpfs, so this file is the only place interactive settings can live.

# Not interactive: nothing to do.
[ -z "${PS1-}" ] && return

shopt -s checkwinsize histappend
HISTCONTROL=ignoredups
HISTSIZE=5000

# user@host in green, the directory in blue, the exit status in red when the last command failed.
# \[ \] tell readline the colour codes take no room, so long lines wrap correctly.
__bulkhead_status() {
  local status=$?
  [ "$status" -ne 0 ] && printf '[%s] ' "$status"
  return 0
}
PS1='\[\e[31m\]$(__bulkhead_status)\[\e[1;32m\]\u@\h\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '

# Before each prompt, an OSC sequence terminals ignore tells lab-server a command finished, so it can
# check the learner's work right away (lab-server/sessions/session.ts, PROMPT_MARKER).
__bulkhead_prompt_marker() { printf '\033]6973;prompt\007'; }
PROMPT_COMMAND="__bulkhead_prompt_marker${PROMPT_COMMAND:+;$PROMPT_COMMAND}"

alias ls='ls --color=auto'
alias ll='ls -l --color=auto'
alias grep='grep --color=auto'

# Tab completion for docker and docker compose; /etc/profile.d may already have loaded it in login shells.
if ! shopt -oq posix && [ -z "${BASH_COMPLETION_VERSINFO-}" ] && [ -f /usr/share/bash-completion/bash_completion ]; then
  . /usr/share/bash-completion/bash_completion
fi
