# bash completion for newsdesk(1): the commands, each command's options
# (as its --help lists them; test_completion keeps the two in step), the
# plugins `newsdesk plugins` finds, and file names where a command takes
# files. Installed as `newsdesk` in bash-completion's completionsdir,
# where it is loaded the first time newsdesk is completed.

# The plugins that `newsdesk plugins` lists, with the configuration given
# on the line (its plugin_path adds plugins), one a line.
_newsdesk_plugins()
{
    local nd=$1 config=$2
    "$nd" plugins ${config:+-c "$config"} 2>/dev/null | while read -r name _; do
        printf '%s\n' "$name"
    done
}

# Words of $1 (a list) that start with the word being completed.
_newsdesk_words()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_newsdesk_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_newsdesk()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local nd=${COMP_WORDS[0]} cmd="" config="" i
    COMPREPLY=()
    # The command, and a configuration given before the word completed.
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -c | --config) config=${COMP_WORDS[i + 1]} ;;
        -*) ;;
        *) [[ -z $cmd ]] && cmd=${COMP_WORDS[i]} ;;
        esac
    done

    if [[ -z $cmd ]]; then
        _newsdesk_words "run process check plugins train search status retry
                         -h --help -V --version"
        return
    fi

    # Options that take a value.
    case $prev in
    -c | --config | --db | -o | --output | -t | --test)
        _newsdesk_files
        return
        ;;
    -a | --algo)
        _newsdesk_words "nb logreg"
        return
        ;;
    --topic | --entity | --lang | --since | --until | --limit | -k | \
        --folds | --bits | --epochs | --alpha | --lambda | --rate | --seed)
        return
        ;;
    esac

    local opts
    case $cmd in
    run | check) opts="-c --config -h --help" ;;
    process) opts="-c --config --export -h --help" ;;
    plugins) opts="-c --config --json --reference -h --help" ;;
    status) opts="-c --config --json -h --help" ;;
    retry) opts="-c --config --all --stream --list -h --help" ;;
    train) opts="-o --output -a --algo -t --test -k --folds --bits --epochs
                 --alpha --lambda --rate --seed --json -h --help" ;;
    search) opts="-c --config --db --topic --entity --lang --since --until
                  --limit --json -h --help" ;;
    *) return ;;
    esac
    if [[ $cur == -* ]]; then
        _newsdesk_words "$opts"
        return
    fi
    case $cmd in
    process | retry | train) _newsdesk_files ;;
    plugins) _newsdesk_words "$(_newsdesk_plugins "$nd" "$config")" ;;
    esac
}

complete -F _newsdesk newsdesk
