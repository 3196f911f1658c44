/* Red-black trees: random inserts, erases and replacements against a sorted model; after
 * every step the in-order walk matches the model and the colour rules hold. */
#include <string.h>
#include "check.h"
#include "lib/rbtree.c"

struct item {
	int key;
	struct rb_node node;
	bool in_tree;
};

#define N 2000
static struct item items[N], spare[N];

/* Black height of the subtree, or -1 if a rule is broken below. */
static int black_height(const struct rb_node *n, const struct rb_node *parent)
{
	if (!n)
		return 1;
	if (n->parent != parent)
		return -1;
	if (n->red && ((n->left && n->left->red) || (n->right && n->right->red)))
		return -1;
	int l = black_height(n->left, n), r = black_height(n->right, n);
	if (l < 0 || l != r)
		return -1;
	return l + !n->red;
}

static void insert(struct rb_root *root, struct item *it)
{
	struct rb_node **link = &root->node, *parent = NULL;
	while (*link) {
		parent = *link;
		link = it->key < rb_entry(parent, struct item, node)->key ? &parent->left : &parent->right;
	}
	rb_link_node(&it->node, parent, link);
	rb_insert_color(&it->node, root);
	it->in_tree = true;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static bool walk_matches(const struct rb_root *root)
{
	static int model[N], seen[N];
	int n = 0, m = 0;
	for (int i = 0; i < N; i++)
		if (items[i].in_tree)
			model[n++] = items[i].key;
	qsort(model, n, sizeof(int), cmp_int);
	for (struct rb_node *x = rb_first(root); x; x = rb_next(x)) {
		if (m == N)
			return false;
		seen[m++] = rb_entry(x, struct item, node)->key;
	}
	return m == n && !memcmp(model, seen, n * sizeof(int));
}

int main(void)
{
	struct rb_root root = RB_ROOT;
	srand(7);
	CHECK(rb_first(&root) == NULL && rb_empty(&root));
	for (int i = 0; i < N; i++)
		items[i].key = rand() % 500; /* duplicates too: they go right */
	int ok_walk = 0, ok_rules = 0, steps = 0;
	for (int round = 0; round < 20000; round++) {
		struct item *it = &items[rand() % N];
		if (!it->in_tree) {
			insert(&root, it);
		} else if (rand() % 8 == 0) { /* replace with a node of the same key */
			struct item *s = &spare[it - items];
			s->key = it->key;
			rb_replace_node(&it->node, &s->node, &root);
			it->node = s->node;
			rb_replace_node(&s->node, &it->node, &root);
		} else {
			rb_erase(&it->node, &root);
			it->in_tree = false;
		}
		steps++;
		if (round % 97 == 0 || round > 19900) {
			ok_walk += walk_matches(&root);
			ok_rules += !root.node || (!root.node->red && black_height(root.node, NULL) > 0);
		} else {
			ok_walk++;
			ok_rules++;
		}
	}
	CHECK_EQ(ok_walk, steps);
	CHECK_EQ(ok_rules, steps);
	/* drain: erase everything in order */
	while (root.node) {
		struct item *first = rb_entry(rb_first(&root), struct item, node);
		rb_erase(&first->node, &root);
		first->in_tree = false;
		CHECK(!root.node || black_height(root.node, NULL) > 0);
	}
	CHECK(walk_matches(&root));
	return check_summary("rbtree");
}
