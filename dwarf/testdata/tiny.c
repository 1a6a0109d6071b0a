/* Input for the dwarf package's unit and fuzz tests; see gen.sh. */
struct tiny_list { struct tiny_list *next, *prev; };

enum tiny_state { TINY_IDLE, TINY_BUSY = 5, TINY_NEG = -2 };

typedef unsigned long tiny_word;

struct tiny {
	struct tiny_list link;
	union {
		tiny_word counters;
		struct {
			unsigned inuse:16;
			unsigned objects:15;
			unsigned frozen:1;
		};
	};
	enum tiny_state state;
	char name[16];
	int grid[2][3];
	const char *label;
	void (*fn)(struct tiny *);
	int tail[];
};

extern struct tiny tiny_one;
struct tiny tiny_one = { .name = "one", .inuse = 3, .objects = 7, .frozen = 1 };
struct tiny_list tiny_head = { &tiny_head, &tiny_head };
static int tiny_hidden = 42;

int tiny_get(struct tiny *t) { return t->inuse + tiny_hidden; }
