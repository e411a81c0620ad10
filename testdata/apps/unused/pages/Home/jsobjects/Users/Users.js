export default {
	load: async () => getUsers.run(),
}
