/*
 * gitlib.h - libgit2, loaded when a command first calls it.
 *
 * Debian's libgit2 brings fourteen libraries of its own (Kerberos, mbedTLS,
 * libssh2, OpenSSL's libcrypto, PCRE2, ...).  Loading and relocating them
 * took ~3 ms of every start, a twentieth of a rebuild after one change,
 * for the commands that never open an archive (build, validate, spell).
 * So the program is not linked with libgit2: the first call of one of its
 * functions dlopen()s it, by the soname the Makefile read from the library
 * it compiled against, and resolves every function below.
 *
 * Files that use libgit2 include this header instead of <git2.h> and call
 * its functions by their own names, with their own types: each name is a
 * macro for the pointer of the same type in struct gitlib.  A function
 * this program starts to call must be added to GITLIB_FUNCTIONS (the
 * build fails until it is).  When the library cannot be loaded, the
 * program says so and exits with status 3, as on any system error.
 */
#ifndef PR_GITLIB_H
#define PR_GITLIB_H

#include <git2.h>

#define GITLIB_FUNCTIONS(X) \
	X(git_blob_create_from_buffer) \
	X(git_buf_dispose) \
	X(git_commit_author) \
	X(git_commit_create) \
	X(git_commit_free) \
	X(git_commit_lookup) \
	X(git_commit_message) \
	X(git_commit_parent) \
	X(git_commit_parentcount) \
	X(git_commit_summary) \
	X(git_commit_tree) \
	X(git_commit_tree_id) \
	X(git_config_free) \
	X(git_config_get_path) \
	X(git_diff_free) \
	X(git_diff_get_delta) \
	X(git_diff_num_deltas) \
	X(git_diff_tree_to_index) \
	X(git_diff_tree_to_tree) \
	X(git_error_clear) \
	X(git_error_last) \
	X(git_error_set_str) \
	X(git_index_add) \
	X(git_index_find_prefix) \
	X(git_index_free) \
	X(git_index_get_bypath) \
	X(git_index_has_conflicts) \
	X(git_index_open) \
	X(git_index_remove) \
	X(git_index_set_caps) \
	X(git_index_write) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_odb_free) \
	X(git_odb_hash) \
	X(git_odb_object_data) \
	X(git_odb_object_free) \
	X(git_odb_object_size) \
	X(git_odb_read) \
	X(git_odb_read_header) \
	X(git_odb_write) \
	X(git_oid_cpy) \
	X(git_oid_equal) \
	X(git_oid_fromraw) \
	X(git_oid_fromstr) \
	X(git_oid_fromstrn) \
	X(git_oid_is_zero) \
	X(git_oid_tostr) \
	X(git_reference_create) \
	X(git_reference_create_matching) \
	X(git_reference_free) \
	X(git_reference_is_valid_name) \
	X(git_reference_lookup) \
	X(git_reference_name_to_id) \
	X(git_reference_symbolic_target) \
	X(git_reference_type) \
	X(git_reflog_drop) \
	X(git_reflog_entry_byindex) \
	X(git_reflog_entry_id_new) \
	X(git_reflog_entry_id_old) \
	X(git_reflog_entrycount) \
	X(git_reflog_free) \
	X(git_reflog_read) \
	X(git_reflog_write) \
	X(git_repository_commondir) \
	X(git_repository_config_snapshot) \
	X(git_repository_free) \
	X(git_repository_index) \
	X(git_repository_is_bare) \
	X(git_repository_odb) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_revwalk_free) \
	X(git_revwalk_hide) \
	X(git_revwalk_hide_glob) \
	X(git_revwalk_new) \
	X(git_revwalk_next) \
	X(git_revwalk_push) \
	X(git_revwalk_push_ref) \
	X(git_revwalk_sorting) \
	X(git_signature_default) \
	X(git_signature_free) \
	X(git_tree_create_updated) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_byname) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_id) \
	X(git_tree_lookup) \
	X(git_tree_walk) \
	X(git_treebuilder_free) \
	X(git_treebuilder_insert) \
	X(git_treebuilder_new) \
	X(git_treebuilder_write)

struct gitlib {
#define GITLIB_POINTER(name) __typeof__(name) *name;
	GITLIB_FUNCTIONS(GITLIB_POINTER)
#undef GITLIB_POINTER
};

/* The functions, the library loaded on the first call (thread-safe). */
const struct gitlib *gitlib_functions(void);

#ifndef GITLIB_NO_RENAME
#define git_blob_create_from_buffer (*gitlib_functions()->git_blob_create_from_buffer)
#define git_buf_dispose (*gitlib_functions()->git_buf_dispose)
#define git_commit_author (*gitlib_functions()->git_commit_author)
#define git_commit_create (*gitlib_functions()->git_commit_create)
#define git_commit_free (*gitlib_functions()->git_commit_free)
#define git_commit_lookup (*gitlib_functions()->git_commit_lookup)
#define git_commit_message (*gitlib_functions()->git_commit_message)
#define git_commit_parent (*gitlib_functions()->git_commit_parent)
#define git_commit_parentcount (*gitlib_functions()->git_commit_parentcount)
#define git_commit_summary (*gitlib_functions()->git_commit_summary)
#define git_commit_tree (*gitlib_functions()->git_commit_tree)
#define git_commit_tree_id (*gitlib_functions()->git_commit_tree_id)
#define git_config_free (*gitlib_functions()->git_config_free)
#define git_config_get_path (*gitlib_functions()->git_config_get_path)
#define git_diff_free (*gitlib_functions()->git_diff_free)
#define git_diff_get_delta (*gitlib_functions()->git_diff_get_delta)
#define git_diff_num_deltas (*gitlib_functions()->git_diff_num_deltas)
#define git_diff_tree_to_index (*gitlib_functions()->git_diff_tree_to_index)
#define git_diff_tree_to_tree (*gitlib_functions()->git_diff_tree_to_tree)
#define git_error_clear (*gitlib_functions()->git_error_clear)
#define git_error_last (*gitlib_functions()->git_error_last)
#define git_error_set_str (*gitlib_functions()->git_error_set_str)
#define git_index_add (*gitlib_functions()->git_index_add)
#define git_index_find_prefix (*gitlib_functions()->git_index_find_prefix)
#define git_index_free (*gitlib_functions()->git_index_free)
#define git_index_get_bypath (*gitlib_functions()->git_index_get_bypath)
#define git_index_has_conflicts (*gitlib_functions()->git_index_has_conflicts)
#define git_index_open (*gitlib_functions()->git_index_open)
#define git_index_remove (*gitlib_functions()->git_index_remove)
#define git_index_set_caps (*gitlib_functions()->git_index_set_caps)
#define git_index_write (*gitlib_functions()->git_index_write)
#define git_libgit2_init (*gitlib_functions()->git_libgit2_init)
#define git_libgit2_opts (*gitlib_functions()->git_libgit2_opts)
#define git_libgit2_shutdown (*gitlib_functions()->git_libgit2_shutdown)
#define git_odb_free (*gitlib_functions()->git_odb_free)
#define git_odb_hash (*gitlib_functions()->git_odb_hash)
#define git_odb_object_data (*gitlib_functions()->git_odb_object_data)
#define git_odb_object_free (*gitlib_functions()->git_odb_object_free)
#define git_odb_object_size (*gitlib_functions()->git_odb_object_size)
#define git_odb_read (*gitlib_functions()->git_odb_read)
#define git_odb_read_header (*gitlib_functions()->git_odb_read_header)
#define git_odb_write (*gitlib_functions()->git_odb_write)
#define git_oid_cpy (*gitlib_functions()->git_oid_cpy)
#define git_oid_equal (*gitlib_functions()->git_oid_equal)
#define git_oid_fromraw (*gitlib_functions()->git_oid_fromraw)
#define git_oid_fromstr (*gitlib_functions()->git_oid_fromstr)
#define git_oid_fromstrn (*gitlib_functions()->git_oid_fromstrn)
#define git_oid_is_zero (*gitlib_functions()->git_oid_is_zero)
#define git_oid_tostr (*gitlib_functions()->git_oid_tostr)
#define git_reference_create (*gitlib_functions()->git_reference_create)
#define git_reference_create_matching (*gitlib_functions()->git_reference_create_matching)
#define git_reference_free (*gitlib_functions()->git_reference_free)
#define git_reference_is_valid_name (*gitlib_functions()->git_reference_is_valid_name)
#define git_reference_lookup (*gitlib_functions()->git_reference_lookup)
#define git_reference_name_to_id (*gitlib_functions()->git_reference_name_to_id)
#define git_reference_symbolic_target (*gitlib_functions()->git_reference_symbolic_target)
#define git_reference_type (*gitlib_functions()->git_reference_type)
#define git_reflog_drop (*gitlib_functions()->git_reflog_drop)
#define git_reflog_entry_byindex (*gitlib_functions()->git_reflog_entry_byindex)
#define git_reflog_entry_id_new (*gitlib_functions()->git_reflog_entry_id_new)
#define git_reflog_entry_id_old (*gitlib_functions()->git_reflog_entry_id_old)
#define git_reflog_entrycount (*gitlib_functions()->git_reflog_entrycount)
#define git_reflog_free (*gitlib_functions()->git_reflog_free)
#define git_reflog_read (*gitlib_functions()->git_reflog_read)
#define git_reflog_write (*gitlib_functions()->git_reflog_write)
#define git_repository_commondir (*gitlib_functions()->git_repository_commondir)
#define git_repository_config_snapshot (*gitlib_functions()->git_repository_config_snapshot)
#define git_repository_free (*gitlib_functions()->git_repository_free)
#define git_repository_index (*gitlib_functions()->git_repository_index)
#define git_repository_is_bare (*gitlib_functions()->git_repository_is_bare)
#define git_repository_odb (*gitlib_functions()->git_repository_odb)
#define git_repository_open_ext (*gitlib_functions()->git_repository_open_ext)
#define git_repository_path (*gitlib_functions()->git_repository_path)
#define git_repository_workdir (*gitlib_functions()->git_repository_workdir)
#define git_revparse_single (*gitlib_functions()->git_revparse_single)
#define git_revwalk_free (*gitlib_functions()->git_revwalk_free)
#define git_revwalk_hide (*gitlib_functions()->git_revwalk_hide)
#define git_revwalk_hide_glob (*gitlib_functions()->git_revwalk_hide_glob)
#define git_revwalk_new (*gitlib_functions()->git_revwalk_new)
#define git_revwalk_next (*gitlib_functions()->git_revwalk_next)
#define git_revwalk_push (*gitlib_functions()->git_revwalk_push)
#define git_revwalk_push_ref (*gitlib_functions()->git_revwalk_push_ref)
#define git_revwalk_sorting (*gitlib_functions()->git_revwalk_sorting)
#define git_signature_default (*gitlib_functions()->git_signature_default)
#define git_signature_free (*gitlib_functions()->git_signature_free)
#define git_tree_create_updated (*gitlib_functions()->git_tree_create_updated)
#define git_tree_entry_byindex (*gitlib_functions()->git_tree_entry_byindex)
#define git_tree_entry_byname (*gitlib_functions()->git_tree_entry_byname)
#define git_tree_entry_bypath (*gitlib_functions()->git_tree_entry_bypath)
#define git_tree_entry_filemode (*gitlib_functions()->git_tree_entry_filemode)
#define git_tree_entry_free (*gitlib_functions()->git_tree_entry_free)
#define git_tree_entry_id (*gitlib_functions()->git_tree_entry_id)
#define git_tree_entry_name (*gitlib_functions()->git_tree_entry_name)
#define git_tree_entry_type (*gitlib_functions()->git_tree_entry_type)
#define git_tree_entrycount (*gitlib_functions()->git_tree_entrycount)
#define git_tree_free (*gitlib_functions()->git_tree_free)
#define git_tree_id (*gitlib_functions()->git_tree_id)
#define git_tree_lookup (*gitlib_functions()->git_tree_lookup)
#define git_tree_walk (*gitlib_functions()->git_tree_walk)
#define git_treebuilder_free (*gitlib_functions()->git_treebuilder_free)
#define git_treebuilder_insert (*gitlib_functions()->git_treebuilder_insert)
#define git_treebuilder_new (*gitlib_functions()->git_treebuilder_new)
#define git_treebuilder_write (*gitlib_functions()->git_treebuilder_write)
#endif

#endif
